import { describe, expect, it } from 'vitest';
import { bleu4, lcsLength, meanScores, rougeL, scorePrediction } from './text-metrics';
import { bootstrapCi95, quantile } from './bootstrap';

describe('BLEU-4 (characters, NLTK smoothing method 3)', () => {
  // Expected values printed by NLTK 3.10.3: sentence_bleu([list(ref)], list(hyp), smoothing_function=SmoothingFunction().method3)
  it.each([
    ['abcd', 'abce', 0.5946035575013605],
    ['The cat sat on the mat.', 'The cat is on the mat.', 0.7944837206494969],
    ['hello', 'hello world', 0.301194211912202],
    ['{"a": 1}', '{"a": 2}', 0.7071067811865475],
    ['xy', 'ab', 0],
    ['ab', 'ab', 0.5946035575013605],
  ])('%j vs %j', (hyp, ref, expected) => {
    expect(bleu4(hyp, ref)).toBeCloseTo(expected, 12);
  });
});

describe('ROUGE-L', () => {
  it('LCS over whitespace tokens', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'x'])).toBe(3);
    expect(lcsLength([], ['a'])).toBe(0);
  });

  it("is rouge's F with beta = P/R", () => {
    // LCS 3 of 4 reference and 3 hypothesis tokens: R = 0.75, P = 1, beta = 4/3, F = (1 + 16/9)·0.75 / (0.75 + 16/9).
    expect(rougeL('the cat sat', 'the cat sat down')).toBeCloseTo(((1 + 16 / 9) * 0.75) / (0.75 + 16 / 9), 9);
    expect(rougeL('a b c', 'a b c')).toBeCloseTo(1, 9);
    expect(rougeL('', 'a')).toBe(0);
    expect(rougeL('x y', 'a b')).toBe(0);
  });
});

describe('prediction scores', () => {
  it('exact match, JSON validity and same keys (JSON only for JSON-shaped references)', () => {
    expect(scorePrediction(' Paris. ', 'Paris.')).toMatchObject({ exactMatch: 1, validJson: null, sameKeys: null });
    expect(scorePrediction('{"b": 1, "a": 2}', '{"a": 0, "b": 0}')).toMatchObject({
      exactMatch: 0,
      validJson: 1,
      sameKeys: 1,
    });
    expect(scorePrediction('{"a": 1}', '{"a": 0, "b": 0}')).toMatchObject({ validJson: 1, sameKeys: 0 });
    expect(scorePrediction('{"a": 1', '{"a": 0}')).toMatchObject({ validJson: 0, sameKeys: 0 });
  });

  it('means are ×100, JSON rates over JSON references only', () => {
    const m = meanScores([
      scorePrediction('{"a": 1}', '{"a": 2}'),
      scorePrediction('x', 'y'),
      scorePrediction('y', 'y'),
    ]);
    expect(m.exactMatch).toBeCloseTo(100 / 3, 3);
    expect(m.validJson).toBe(100);
    expect(m.sameKeys).toBe(100);
    expect(meanScores([scorePrediction('x', 'y')]).validJson).toBeNull();
  });
});

describe('bootstrap', () => {
  it('numpy-style quantiles', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
  });

  it('is seeded, brackets the token-weighted mean, and collapses when every example agrees', () => {
    const examples = [2, 3, 5, 8, 1, 4].map((v, i) => ({ nllSum: v * (i + 1), tokens: i + 1 }));
    const [lo, hi] = bootstrapCi95(examples, 7);
    expect(bootstrapCi95(examples, 7)).toEqual([lo, hi]);
    expect(bootstrapCi95(examples, 8)).not.toEqual([lo, hi]);
    const mean = examples.reduce((a, e) => a + e.nllSum, 0) / examples.reduce((a, e) => a + e.tokens, 0);
    expect(lo).toBeLessThan(mean);
    expect(hi).toBeGreaterThan(mean);
    const same = bootstrapCi95(
      [
        { nllSum: 3, tokens: 2 },
        { nllSum: 6, tokens: 4 },
      ],
      1,
    );
    expect(same[0]).toBeCloseTo(1.5, 12);
    expect(same[1]).toBeCloseTo(1.5, 12);
  });
});
