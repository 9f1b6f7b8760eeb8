/**
 * Evaluation of variants (the base, adapters, weighted mixes) on held-out examples: loss and perplexity over the
 * loss-carrying tokens exactly as training counts them, per-example losses and a 95% bootstrap interval.
 * Batched, every forward pass holds the same examples under every variant (one multiplexed pass, the base
 * projections shared); `batched: false` scores one variant at a time.
 */
import type { TokenizedExample } from '../data/types';
import type { AdapterHook } from '../model/linear';
import { unpack } from '../train/batch';
import type { CausalLm } from '../train/loss';
import { bootstrapCi95 } from './bootstrap';
import { EvalInputError } from './errors';
import { labelsOf, tokenLosses, type ScoreItem } from './token-losses';

/** A way to run the base: its name and the adapter hook (null = the base alone). */
export interface EvalVariant {
  name: string;
  hook: AdapterHook | null;
}

/** One scored example under one variant. */
export interface ExampleScore {
  /** Index into the scored examples (see `scoredExamples`). */
  index: number;
  /** Mean NLL over its loss tokens (NaN-free: 0 tokens never reach here). */
  loss: number;
  /** Σ NLL of its loss tokens (float64 sum). */
  nllSum: number;
  tokens: number;
  /** −ln p of each loss token, positions ascending. */
  nll: Float32Array;
}

/** Results of one variant. */
export interface VariantScore {
  variant: string;
  /** Σ NLL / Σ loss tokens (natural log). */
  loss: number;
  perplexity: number;
  tokens: number;
  examples: number;
  ci95: [number, number];
  perExample: ExampleScore[];
}

export interface EvaluateOptions {
  /** Score all variants in multiplexed passes (default) or one variant at a time. */
  batched?: boolean;
  /** Rows per forward pass. Default 8. */
  batchRows?: number;
  /** Bootstrap seed. Default 0. */
  seed?: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/**
 * The examples as they are scored: packed rows split into their examples, each cut to `maxSeqLen` tokens, and
 * those left without a loss token dropped. Throws an EvalInputError naming the reason when nothing is left.
 */
export function scoredExamples(examples: readonly TokenizedExample[], maxSeqLen: number): TokenizedExample[] {
  if (examples.length === 0) throw new EvalInputError('There are no examples to evaluate.');
  const cut = examples
    .flatMap(unpack)
    .map((e) =>
      e.ids.length > maxSeqLen ? { ids: e.ids.slice(0, maxSeqLen), lossMask: e.lossMask.slice(0, maxSeqLen) } : e,
    );
  const kept = cut.filter((e) => labelsOf(e) > 0);
  if (kept.length === 0) {
    throw new EvalInputError(
      `None of the ${examples.length} examples has a loss-carrying token, so there is nothing to score. ` +
        'Completion-only data puts loss on the answers (prompt/completion, Alpaca output, assistant turns) and none here: ' +
        'check that records have a non-empty completion or assistant turn, that the sequence length leaves room after the prompt, ' +
        'or score every token by preparing the data as plain text.',
    );
  }
  return kept;
}

/** Scores every variant on `examples` (already from `scoredExamples`). Variants come back in the order given. */
export async function evaluateVariants(
  model: CausalLm,
  examples: readonly TokenizedExample[],
  variants: readonly EvalVariant[],
  opts: EvaluateOptions = {},
): Promise<VariantScore[]> {
  if (variants.length === 0) throw new EvalInputError('Choose at least one variant to evaluate.');
  const rows = Math.max(1, opts.batchRows ?? 8);
  const nll: Float32Array[][] = variants.map(() => []);
  const total = examples.length * variants.length;
  if (opts.batched ?? true) {
    // Each pass: k examples under every variant, variant-major so each variant's rows form one slice.
    const k = Math.max(1, Math.floor(rows / variants.length));
    for (let start = 0; start < examples.length; start += k) {
      const chunk = examples.slice(start, start + k);
      const items: ScoreItem[] = variants.flatMap((v) => chunk.map((example) => ({ example, hook: v.hook })));
      const losses = await tokenLosses(model, items, { batchRows: items.length });
      variants.forEach((_, v) => nll[v].push(...losses.slice(v * chunk.length, (v + 1) * chunk.length)));
      await opts.onProgress?.(Math.min(examples.length, start + k) * variants.length, total);
    }
  } else {
    for (const [v, variant] of variants.entries()) {
      const items = examples.map((example) => ({ example, hook: variant.hook }));
      nll[v] = await tokenLosses(model, items, {
        batchRows: rows,
        onBatch: (done) => opts.onProgress?.(v * examples.length + done, total),
      });
    }
  }
  return variants.map((variant, v) => summarize(variant.name, nll[v], opts.seed ?? 0));
}

function summarize(name: string, nll: Float32Array[], seed: number): VariantScore {
  const perExample: ExampleScore[] = nll.map((values, index) => {
    let sum = 0;
    for (const x of values) sum += x; // float64 accumulation
    return { index, loss: sum / values.length, nllSum: sum, tokens: values.length, nll: values };
  });
  let sum = 0;
  let tokens = 0;
  for (const e of perExample) {
    sum += e.nllSum;
    tokens += e.tokens;
  }
  const loss = sum / tokens;
  const ci95 = bootstrapCi95(perExample, seed);
  return { variant: name, loss, perplexity: Math.exp(loss), tokens, examples: perExample.length, ci95, perExample };
}
