/**
 * Generation for a grid of prompts × variants. Batched, every row (one prompt under one variant) decodes in the
 * same forward passes: prompts are left-padded to one length (the padding is masked and positions count real
 * tokens only, as HF `generate` does), rows are laid out variant by variant so a MultiplexHook applies each
 * variant's adapter to its own rows, and each row samples with its own generator seeded alike, so a row's tokens
 * are those of the same prompt and variant generated alone (`generate`, used for `batched: false`).
 */
import { tf, type Tensor2D, type Tensor3D } from '../backend/tf';
import { generate } from '../generate/generate';
import { OutputTracker } from '../generate/output-tracker';
import { sampleToken, validateSamplingParams, type SamplingParams } from '../generate/sampler';
import type { FinishReason } from '../generate/types';
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
  hiddenStates(ids: Tensor2D, opts: { cache?: KVCache | null; hook?: AdapterHook | null; attentionMask?: ArrayLike<number>[] | null }): Tensor3D;
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

/** cells[v][p]: prompt p (token ids) generated under variant v. */
export async function generateGrid(
  model: GridModel,
  tokenizer: TextTokenizer,
  prompts: readonly number[][],
  variants: readonly EvalVariant[],
  settings: GridSettings,
): Promise<GridCell[][]> {
  validateSamplingParams(settings);
  if (!Number.isInteger(settings.maxNewTokens) || settings.maxNewTokens < 1) throw new Error(`maxNewTokens must be an integer ≥ 1, got ${settings.maxNewTokens}`);
  if (prompts.some((p) => p.length === 0)) throw new Error('generateGrid: a prompt has no tokens');
  if (!(settings.batched ?? true)) return sequentialGrid(model, tokenizer, prompts, variants, settings);
  const rows = variants.flatMap((v) => prompts.map((ids) => ({ hook: v.hook, ids })));
  const cells = await decodeBatch(model, tokenizer, rows, settings);
  return variants.map((_, v) => cells.slice(v * prompts.length, (v + 1) * prompts.length));
}

async function sequentialGrid(
  model: GridModel, tokenizer: TextTokenizer, prompts: readonly number[][], variants: readonly EvalVariant[], s: GridSettings,
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

/** Decodes every row together; rows sharing a hook must be adjacent (see MultiplexHook). */
async function decodeBatch(
  model: GridModel, tokenizer: TextTokenizer, rows: ReadonlyArray<{ hook: AdapterHook | null; ids: number[] }>, s: GridSettings,
): Promise<GridCell[]> {
  const { vocab, maxPositionEmbeddings } = model.config;
  const width = Math.max(...rows.map((r) => r.ids.length));
  const maxNew = Math.min(s.maxNewTokens, maxPositionEmbeddings - width);
  if (maxNew < 1) throw new Error(`generateGrid: the longest prompt is ${width} tokens; this model's context is ${maxPositionEmbeddings} tokens`);
  const allowed = tokenizer.vocabSize > 0 ? Math.min(tokenizer.vocabSize, vocab) : vocab;
  const eos = [...tokenizer.eosTokenIds, ...(model.config.eosTokenIds ?? [])];
  const state = rows.map((r) => ({
    context: [...r.ids],
    rng: new Rng(s.seed),
    output: new OutputTracker(tokenizer, eos, s.stop ?? [], s.maxNewTokens),
    finish: null as FinishReason | null,
  }));
  const hooks = rows.map((r) => r.hook);
  const hook = hooks.every((h) => h === hooks[0]) ? hooks[0] : new MultiplexHook(hooks);
  const batch = rows.length;
  const cache = model.createCache(batch, width + maxNew);
  try {
    // Prefill: left padding, so every row's last position is its last prompt token. [batch, width]
    const ids = new Int32Array(batch * width);
    const mask = rows.map((r, b) => {
      ids.set(r.ids, b * width + width - r.ids.length);
      return Uint8Array.from({ length: width }, (_, t) => (t >= width - r.ids.length ? 1 : 0));
    });
    let logits = await lastLogits(model, ids, width, batch, { cache, hook, attentionMask: mask.some((m) => m.includes(0)) ? mask : null });
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
        st.finish = st.output.add(id, aborted).finish ?? (aborted ? 'aborted' : null);
      }
      if (state.every((st) => st.finish) || step + 1 >= maxNew) break;
      logits = await lastLogits(model, next, 1, batch, { cache, hook, attentionMask: null });
    }
  } finally {
    cache.dispose();
    if (hook instanceof MultiplexHook) hook.dispose();
  }
  return state.map((st) => ({ ids: st.output.ids, text: st.output.text, finishReason: st.finish ?? 'length' }));
}

/** One forward over ids [batch, seq]; the last position's logits of every row, [batch·vocab] on the host. */
async function lastLogits(
  model: GridModel, ids: Int32Array, seq: number, batch: number,
  opts: { cache: KVCache; hook: AdapterHook | null; attentionMask: Uint8Array[] | null },
): Promise<Float32Array> {
  const last = tf.tidy(() => {
    const h = model.hiddenStates(tf.tensor2d(ids, [batch, seq], 'int32'), opts); // [batch, seq, hidden]
    const pick = h.slice([0, seq - 1, 0], [batch, 1, -1]) as Tensor3D; // [batch, 1, hidden]
    return model.logits(pick); // [batch, 1, vocab]
  });
  const data = (await last.data()) as Float32Array;
  last.dispose();
  return data;
}
