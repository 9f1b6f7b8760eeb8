/**
 * Prediction metrics as LlamaBoard (LLaMA-Factory `ComputeSimilarity`) reports them, ×100 and averaged over
 * examples:
 * - ROUGE-L: the `rouge` package's F of the longest common subsequence over whitespace tokens
 *   (LLaMA-Factory segments with jieba first; for space-separated languages that is the same words),
 *   F = (1 + β²)·R·P / (R + β²·P) with β = P / R, as `rouge`'s `_f_p_r_lcs` computes it.
 * - BLEU-4: NLTK `sentence_bleu([list(reference)], list(prediction))` over characters, as LLaMA-Factory calls it,
 *   uniform 1/4 weights, smoothing method 3 (NIST geometric: the k-th zero precision becomes 1 / (2^k · count)).
 * Plus exact match (trimmed strings equal), and for JSON-shaped references: the prediction parses as JSON, and
 * it is an object with the reference's keys.
 */

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** ROUGE-L F (0..1) of `prediction` against `reference`, whitespace tokens; 0 when either is empty. */
export function rougeL(prediction: string, reference: string): number {
  const hyp = prediction.split(/\s+/).filter(Boolean);
  const ref = reference.split(/\s+/).filter(Boolean);
  if (hyp.length === 0 || ref.length === 0) return 0;
  const lcs = lcsLength(ref, hyp);
  const r = lcs / ref.length;
  const p = lcs / hyp.length;
  const beta = p / (r + 1e-12);
  return ((1 + beta ** 2) * r * p) / (r + beta ** 2 * p + 1e-12);
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Sentence BLEU-4 (0..1) of `hypothesis` against one `reference` token list, NLTK smoothing method 3. */
export function sentenceBleu4(hypothesis: readonly string[], reference: readonly string[]): number {
  const numerators: number[] = [];
  const denominators: number[] = [];
  for (let n = 1; n <= 4; n++) {
    const hyp = ngramCounts(hypothesis, n);
    const ref = ngramCounts(reference, n);
    let clipped = 0;
    let total = 0;
    for (const [g, c] of hyp) {
      clipped += Math.min(c, ref.get(g) ?? 0);
      total += c;
    }
    numerators.push(clipped);
    denominators.push(Math.max(1, total));
  }
  if (numerators[0] === 0) return 0; // NLTK returns 0 when no unigram matches
  const c = hypothesis.length;
  const r = reference.length;
  const bp = c > r ? 1 : c === 0 ? 0 : Math.exp(1 - r / c);
  let k = 1;
  let logSum = 0;
  for (let i = 0; i < 4; i++) {
    let p = numerators[i] / denominators[i];
    if (numerators[i] === 0) p = 1 / (2 ** k++ * denominators[i]);
    logSum += 0.25 * Math.log(p);
  }
  return bp * Math.exp(logSum);
}

/** BLEU-4 (0..1) over characters, as LLaMA-Factory computes it. */
export function bleu4(prediction: string, reference: string): number {
  return sentenceBleu4([...prediction], [...reference]);
}

/** The parsed JSON value when `text` (trimmed) is JSON, else undefined. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.trim()) as unknown;
  } catch {
    return undefined;
  }
}

function objectKeys(v: unknown): string[] | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).sort() : null;
}

/** Scores of one prediction (each 0..1; JSON fields null when the reference is not JSON). */
export interface PredictionScore {
  exactMatch: number;
  rougeL: number;
  bleu4: number;
  validJson: number | null;
  sameKeys: number | null;
}

export function scorePrediction(prediction: string, reference: string): PredictionScore {
  const ref = parseJson(reference);
  const pred = ref === undefined ? undefined : parseJson(prediction);
  const refKeys = objectKeys(ref);
  const predKeys = objectKeys(pred);
  return {
    exactMatch: prediction.trim() === reference.trim() ? 1 : 0,
    rougeL: rougeL(prediction, reference),
    bleu4: bleu4(prediction, reference),
    validJson: ref === undefined ? null : pred === undefined ? 0 : 1,
    sameKeys: refKeys === null ? null : predKeys !== null && predKeys.join('\u0000') === refKeys.join('\u0000') ? 1 : 0,
  };
}

/** Means over predictions, ×100 as LlamaBoard shows them (JSON rates over JSON-shaped references; null if none). */
export interface GridMetrics {
  exactMatch: number;
  rougeL: number;
  bleu4: number;
  validJson: number | null;
  sameKeys: number | null;
}

export function meanScores(scores: readonly PredictionScore[]): GridMetrics {
  const mean = (pick: (s: PredictionScore) => number | null): number | null => {
    const values = scores.map(pick).filter((v): v is number => v !== null);
    return values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100 * 1e4) / 1e4 : null;
  };
  return {
    exactMatch: mean((s) => s.exactMatch) ?? 0,
    rougeL: mean((s) => s.rougeL) ?? 0,
    bleu4: mean((s) => s.bleu4) ?? 0,
    validJson: mean((s) => s.validJson),
    sameKeys: mean((s) => s.sameKeys),
  };
}
