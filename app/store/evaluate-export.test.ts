import { describe, expect, it } from 'vitest';
import type { EvaluateResult, VariantSummary } from '../../src/protocol/eval-types';
import { resultCsv, resultJsonl } from './evaluate-export';

/** A variant scored over 2 examples and 10 loss tokens, its 95% interval loss ± 0.5. */
function variant(name: string, loss: number, exampleLosses: number[]): VariantSummary {
  return {
    variant: name,
    loss,
    perplexity: Math.exp(loss),
    tokens: 10,
    examples: 2,
    ci95: [loss - 0.5, loss + 0.5],
    exampleLosses,
  };
}

const result: EvaluateResult = {
  dataset: 'qa',
  variants: [variant('base', 2, [1.8, 2.2]), variant('tone, "warm"', 1, [0.9, 1.1])],
  details: [],
  predict: {
    prompts: [{ index: 0, prompt: 'Q', reference: '{"a":1}' }],
    cells: [
      [{ text: 'x', finishReason: 'length', exactMatch: 0, rougeL: 0, bleu4: 0, validJson: 0, sameKeys: 0 }],
      [{ text: '{"a":1}', finishReason: 'eos', exactMatch: 1, rougeL: 1, bleu4: 0.6, validJson: 1, sameKeys: 1 }],
    ],
    metrics: [
      { exactMatch: 0, rougeL: 0, bleu4: 0, validJson: 0, sameKeys: 0 },
      { exactMatch: 100, rougeL: 100, bleu4: 60, validJson: 100, sameKeys: 100 },
    ],
    millis: 5,
  },
  backend: 'wasm',
  batched: true,
  millis: 10,
};

describe('evaluate export', () => {
  it('CSV: one row per variant, quoted where needed, grid metrics appended', () => {
    const lines = resultCsv(result).trim().split('\n');
    expect(lines[0]).toBe(
      'variant,loss,perplexity,ci95_low,ci95_high,tokens,examples,exactMatch,rougeL,bleu4,validJson,sameKeys',
    );
    expect(lines[1]).toBe(`base,2,${Math.exp(2)},1.5,2.5,10,2,0,0,0,0,0`);
    expect(lines[2].startsWith('"tone, ""warm""",1,')).toBe(true);
    expect(resultCsv({ ...result, predict: null }).split('\n')[0]).toBe(
      'variant,loss,perplexity,ci95_low,ci95_high,tokens,examples',
    );
  });

  it('JSONL: the CLI line per variant plus per-example losses and predictions', () => {
    const lines = resultJsonl(result)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(lines[0]).slice(0, 6)).toEqual(['variant', 'loss', 'perplexity', 'tokens', 'examples', 'ci95']);
    expect(lines[1].exampleLosses).toEqual([0.9, 1.1]);
    expect(lines[1].predictions).toEqual([{ index: 0, reference: '{"a":1}', ...result.predict!.cells[1][0] }]);
    expect(lines[1].metrics).toEqual(result.predict!.metrics[1]);
  });
});
