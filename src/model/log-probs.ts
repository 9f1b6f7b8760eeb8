/**
 * Per-token log-probabilities of one sequence (scoring). The hidden states come from one forward pass; the LM head
 * and log-softmax then run over row chunks so a long sequence never holds a full [seq, vocab] logits matrix
 * (2048 tokens × 151 936 vocab would be 1.2 GB in f32).
 */
import { tf, type Tensor2D, type Tensor3D } from '../backend/tf';
import { InputError } from '../spec/input-error';
import type { AdapterHook } from './linear';
import { checkContextLength, checkTokenIds } from './token-ids';

/** What scoring needs from a model. */
export interface ScoringModel {
  readonly config: { vocab: number; hidden: number; maxPositionEmbeddings?: number };
  hiddenStates(ids: Tensor2D, opts?: { hook?: AdapterHook | null }): Tensor3D;
  logits(h: Tensor3D): Tensor3D;
}

/** Logits materialized per chunk: ~64 MB of f32. */
const CHUNK_VALUES = 1 << 24;

/** ln p(ids[i] | ids[0..i)) for i ≥ 1; entry 0 is null. `chunkValues` bounds the logits held at once. */
export async function sequenceLogProbs(
  model: ScoringModel,
  ids: readonly number[],
  hook?: AdapterHook | null,
  chunkValues = CHUNK_VALUES,
): Promise<(number | null)[]> {
  const { vocab, hidden, maxPositionEmbeddings } = model.config;
  checkTokenIds(ids, vocab, 'logProbs');
  if (maxPositionEmbeddings !== undefined) checkContextLength(ids.length, maxPositionEmbeddings, 'logProbs');
  if (ids.length <= 1) return ids.length ? [null] : [];
  const n = ids.length - 1; // positions that predict a next token
  const h = tf.tidy(() =>
    model.hiddenStates(tf.tensor2d([ids.slice(0, n)], [1, n], 'int32'), { hook }).reshape([n, hidden]),
  );
  const rows = Math.max(1, Math.floor(chunkValues / vocab));
  const out: (number | null)[] = [null];
  try {
    for (let start = 0; start < n; start += rows) {
      const count = Math.min(rows, n - start);
      const picked = tf.tidy(() => {
        const chunk = h.slice([start, 0], [count, hidden]).reshape([1, count, hidden]) as Tensor3D;
        const lp = tf.logSoftmax(model.logits(chunk).reshape([count, vocab]), -1).flatten(); // [count·vocab]
        const at = Int32Array.from({ length: count }, (_, i) => i * vocab + ids[start + i + 1]);
        return tf.gather(lp, tf.tensor1d(at, 'int32')); // [count]
      });
      out.push(...(await picked.data()));
      picked.dispose();
    }
  } finally {
    h.dispose();
  }
  checkFinite(out);
  return out;
}

/**
 * JSON writes NaN as null, which the format already uses for "no prediction" at position 0, so a NaN must never
 * leave here looking like a value: refuse with the position instead.
 */
function checkFinite(logprobs: readonly (number | null)[]): void {
  for (let i = 1; i < logprobs.length; i++) {
    const v = logprobs[i] as number;
    if (!Number.isFinite(v)) {
      throw new InputError(
        `logProbs: the model produced a non-finite log-probability (${v}) at position ${i}; its ` +
          'weights, config.json numbers or adapter overflow float32',
      );
    }
  }
}
