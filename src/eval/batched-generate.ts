/**
 * Generation for a grid of prompts × variants. Batched, every row (one prompt under one variant) decodes in the
 * same forward passes: prompts are left-padded to one length (the padding is masked and positions count real
 * tokens only, as HF `generate` does), rows are laid out variant by variant so a MultiplexHook applies each
 * variant's adapter to its own rows, and each row samples with its own generator seeded alike, so a row's tokens
 * are those of the same prompt and variant generated alone (`generate`, used for `batched: false`).
 */
import { asGeneration } from '../backend/generation-scope';
import { tf, type Tensor2D, type Tensor3D } from '../backend/tf';
import { generate, yieldToEventLoop } from '../generate/generate';
import { OutputTracker } from '../generate/output-tracker';
import { sampleToken, validateSamplingParams, type SamplingParams } from '../generate/sampler';
import type { FinishReason, TokenEvent } from '../generate/types';
import type { KVCache } from '../model/kv-cache';
import type { AdapterHook } from '../model/linear';
import type { TextTokenizer } from '../tokenizer/types';
import { Rng } from '../util/rng';
import type { EvalVariant } from './evaluate';
import { MultiplexHook } from './multiplex-hook';

/** What batched decoding needs from a model (`DecoderModel` satisfies it). */
export interface GridModel {
  readonly config: { vocab: number; maxPositionEmbeddings: number; eosTokenIds?: readonly number[] };
  createCache(batch: number, maxLen: number): KVCache;
  hiddenStates(
    ids: Tensor2D,
    opts: { cache?: KVCache | null; hook?: AdapterHook | null; attentionMask?: ArrayLike<number>[] | null },
  ): Tensor3D;
  logits(h: Tensor3D): Tensor3D;
  forward(ids: Tensor2D, opts: { cache?: KVCache | null; hook?: AdapterHook | null }): Tensor3D;
}

export interface GridSettings extends SamplingParams {
  maxNewTokens: number;
  seed: number;
  stop?: string[];
  /** One multiplexed batch for the whole grid (default) or each cell alone. */
  batched?: boolean;
  signal?: AbortSignal;
}

/** One generated cell. */
export interface GridCell {
  ids: number[];
  text: string;
  finishReason: FinishReason;
}

/** One row of a batch: its prompt ids and the adapter it runs with (rows sharing a hook must be adjacent). */
export interface DecodeRow {
  hook: AdapterHook | null;
  ids: readonly number[];
}

/** `decodeRows` options beyond the sampling settings. */
export interface DecodeOptions {
  /** Called for every token of every row as it is sampled (the texts of a row concatenate to its result). */
  onToken?: (row: number, ev: TokenEvent) => void;
  /**
   * Read the adapters' weights at every forward pass (a slider moved mid-generation applies from the next token)
   * instead of stacking them once for speed (StackedLora). Default false.
   */
  live?: boolean;
}

/** A decoded row with its timing (prefill: prompt pass to its logits; decode: the rest). */
export interface DecodedRow extends GridCell {
  promptTokens: number;
  prefillMs: number;
  decodeMs: number;
}

/** cells[v][p]: prompt p (token ids) generated under variant v. */
export async function generateGrid(
  model: GridModel,
  tokenizer: TextTokenizer,
  prompts: readonly number[][],
  variants: readonly EvalVariant[],
  settings: GridSettings,
): Promise<GridCell[][]> {
  validateSamplingParams(settings);
  if (!Number.isInteger(settings.maxNewTokens) || settings.maxNewTokens < 1)
    throw new Error(`maxNewTokens must be an integer ≥ 1, got ${settings.maxNewTokens}`);
  if (prompts.some((p) => p.length === 0)) throw new Error('generateGrid: a prompt has no tokens');
  if (!(settings.batched ?? true)) return sequentialGrid(model, tokenizer, prompts, variants, settings);
  const rows = variants.flatMap((v) => prompts.map((ids) => ({ hook: v.hook, ids })));
  const cells = (await decodeRows(model, tokenizer, rows, settings)).map(({ ids, text, finishReason }) => ({
    ids,
    text,
    finishReason,
  }));
  return variants.map((_, v) => cells.slice(v * prompts.length, (v + 1) * prompts.length));
}

async function sequentialGrid(
  model: GridModel,
  tokenizer: TextTokenizer,
  prompts: readonly number[][],
  variants: readonly EvalVariant[],
  s: GridSettings,
): Promise<GridCell[][]> {
  const out: GridCell[][] = [];
  for (const v of variants) {
    const row: GridCell[] = [];
    for (const ids of prompts) {
      const r = await generate(model, tokenizer, { ...s, promptIds: ids, hook: v.hook }, { signal: s.signal });
      row.push({ ids: r.ids, text: r.text, finishReason: r.finishReason });
    }
    out.push(row);
  }
  return out;
}

/**
 * Decodes every row together in one multiplexed batch (the Predict grid, Generate's side by side); rows sharing a
 * hook must be adjacent (see MultiplexHook). Each row samples with its own generator seeded with `s.seed`.
 */
export async function decodeRows(
  model: GridModel,
  tokenizer: TextTokenizer,
  rows: readonly DecodeRow[],
  s: GridSettings,
  opts: DecodeOptions = {},
): Promise<DecodedRow[]> {
  const { vocab, maxPositionEmbeddings } = model.config;
  const width = Math.max(...rows.map((r) => r.ids.length));
  // Each row may write what it would alone (its prompt plus new tokens within the context); the batch runs until
  // the row with the most room is done.
  const rowMax = rows.map((r) => Math.min(s.maxNewTokens, maxPositionEmbeddings - r.ids.length));
  if (Math.min(...rowMax) < 1)
    throw new Error(
      `generateGrid: a prompt is ${width} tokens; this model's context is ${maxPositionEmbeddings} tokens`,
    );
  const maxNew = Math.max(...rowMax);
  const allowed = tokenizer.vocabSize > 0 ? Math.min(tokenizer.vocabSize, vocab) : vocab;
  const eos = [...tokenizer.eosTokenIds, ...(model.config.eosTokenIds ?? [])];
  const state = rows.map((r, b) => ({
    context: [...r.ids],
    rng: new Rng(s.seed),
    output: new OutputTracker(tokenizer, eos, s.stop ?? [], rowMax[b]),
    finish: null as FinishReason | null,
  }));
  const hooks = rows.map((r) => r.hook);
  const hook = hooks.every((h) => h === hooks[0]) ? hooks[0] : new MultiplexHook(hooks, { stacked: !opts.live });
  const batch = rows.length;
  const t0 = performance.now();
  let t1 = t0;
  const cache = model.createCache(batch, width + maxNew);
  try {
    // Prefill: left padding, so every row's last position is its last prompt token. [batch, width]
    const ids = new Int32Array(batch * width);
    const mask = rows.map((r, b) => {
      ids.set(r.ids, b * width + width - r.ids.length);
      return Uint8Array.from({ length: width }, (_, t) => (t >= width - r.ids.length ? 1 : 0));
    });
    let logits = await lastLogits(model, ids, width, batch, {
      cache,
      hook,
      attentionMask: mask.some((m) => m.includes(0)) ? mask : null,
    });
    t1 = performance.now();
    for (let step = 0; ; step++) {
      const next = new Int32Array(batch);
      for (let b = 0; b < batch; b++) {
        const st = state[b];
        if (st.finish) {
          next[b] = st.context[st.context.length - 1]; // a finished row still fills its slot; its output is ignored
          continue;
        }
        const row = logits.subarray(b * vocab, (b + 1) * vocab);
        if (allowed < vocab) row.fill(-Infinity, allowed);
        const aborted = s.signal?.aborted ?? false;
        const id = sampleToken(row, st.context, s, st.rng);
        st.context.push(id);
        next[b] = id;
        const added = st.output.add(id, aborted);
        st.finish = added.finish ?? (aborted ? 'aborted' : null);
        opts.onToken?.(b, { id, text: added.text, index: st.output.ids.length - 1 });
      }
      if (state.every((st) => st.finish) || step + 1 >= maxNew) break;
      // wasm reads resolve as microtasks: let a stop, a cancel or a new adapter weight arrive between steps.
      await yieldToEventLoop();
      logits = await lastLogits(model, next, 1, batch, { cache, hook, attentionMask: null });
    }
  } finally {
    cache.dispose();
    if (hook instanceof MultiplexHook) hook.dispose();
  }
  const decodeMs = performance.now() - t1;
  return state.map((st, b) => ({
    ids: st.output.ids,
    text: st.output.text,
    finishReason: st.finish ?? 'length',
    promptTokens: rows[b].ids.length,
    prefillMs: t1 - t0,
    decodeMs,
  }));
}

/** One forward over ids [batch, seq]; the last position's logits of every row, [batch·vocab] on the host. */
async function lastLogits(
  model: GridModel,
  ids: Int32Array,
  seq: number,
  batch: number,
  opts: { cache: KVCache; hook: AdapterHook | null; attentionMask: Uint8Array[] | null },
): Promise<Float32Array> {
  const step = () => {
    const h = model.hiddenStates(tf.tensor2d(ids, [batch, seq], 'int32'), opts); // [batch, seq, hidden]
    const pick = h.slice([0, seq - 1, 0], [batch, 1, -1]) as Tensor3D; // [batch, 1, hidden]
    return model.logits(pick); // [batch, 1, vocab]
  };
  // The kernels' generation form (see backend/generation-scope.ts).
  const last = asGeneration(() => tf.tidy(step));
  const data = (await last.data()) as Float32Array;
  last.dispose();
  return data;
}
