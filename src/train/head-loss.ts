/**
 * The LM head and cross-entropy in row chunks, forward *and* backward, so the [labels, vocab] logits and their
 * gradient never exist whole (issue 12): at a 150k vocabulary and 512 label rows that pair would be 600 MiB.
 *
 * tfjs's tape keeps what each op saves for its gradient until the whole backward pass is done, so chunking the
 * forward alone (as the loss did before) still leaves every chunk's logits alive at the peak. Here one custom
 * gradient covers head + loss: the forward keeps only the input rows [n, hidden]; the backward recomputes each
 * chunk's logits, turns them into softmax − one-hot and pushes that through the head's input gradient at once.
 * Costs one more head matMul per label row; the head itself is frozen (no gradient to its weight). When every
 * label fits one chunk, the forward keeps that chunk's gradient instead (`singleChunkNllSum`).
 */
import { tf, type Tensor2D } from '../backend/tf';
import { withEagerGpuRelease } from '../backend/gpu-release';

/** Logit values per [rows, vocab] block: 4 Mi f32 = 16 MiB, whatever the vocabulary. */
export const HEAD_CHUNK_VALUES = 1 << 22;

/** Label rows per LM-head chunk at `vocab` (at least 1). */
export function headChunkRows(vocab: number, chunkValues = HEAD_CHUNK_VALUES): number {
  return Math.max(1, Math.floor(chunkValues / vocab));
}

/** Rows [r, hidden] → logits [r, vocab] through a frozen LM head (differentiable w.r.t. the rows only). */
export type HeadFn = (rows: Tensor2D) => Tensor2D;

/**
 * Σ −log softmax(head(h))[label] over the rows of h [n, hidden] (labels [n]), differentiable w.r.t. h only, with
 * at most one [chunk, vocab] block (plus its softmax and one-hot in the backward) alive at a time. Same value and
 * gradient as the unchunked loss up to float summation order. With `weights` [n]: Σ wᵢ·NLLᵢ (preference tuning's
 * per-sequence gradients, preference/preference-objective.ts). Caller owns the result.
 */
export function chunkedHeadNllSum(
  head: HeadFn,
  h: Tensor2D,
  labels: Int32Array,
  vocab: number,
  chunkValues = HEAD_CHUNK_VALUES,
  weights?: Float32Array,
): tf.Scalar {
  const n = h.shape[0];
  if (labels.length !== n) throw new Error(`chunkedHeadNllSum: ${n} rows but ${labels.length} labels`);
  const rows = headChunkRows(vocab, chunkValues);
  const forward = (x: Tensor2D): tf.Scalar => {
    let sum = tf.scalar(0);
    for (let start = 0; start < n; start += rows) {
      const count = Math.min(rows, n - start);
      const part = withEagerGpuRelease(() =>
        tf.tidy(() =>
          chunkNll(
            head(x.slice([start, 0], [count, -1])),
            labels.subarray(start, start + count),
            weights?.subarray(start, start + count),
          ),
        ),
      );
      const next = sum.add(part) as tf.Scalar;
      tf.dispose([sum, part]);
      sum = next;
    }
    return sum;
  };
  // No gradient recorded (evaluation): the forward alone.
  if (!tf.engine().isTapeOn()) return forward(h);
  if (n <= rows) return singleChunkNllSum(head, h, labels, vocab, weights);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as Tensor2D;
    (args[1] as tf.GradSaveFunc)([x]);
    return {
      value: forward(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0] as Tensor2D;
        const parts: Tensor2D[] = [];
        for (let start = 0; start < n; start += rows) {
          const count = Math.min(rows, n - start);
          parts.push(
            withEagerGpuRelease(() =>
              tf.tidy(() => {
                const chunk = xs.slice([start, 0], [count, -1]); // [count, hidden]
                const at = (a?: Float32Array) => a?.subarray(start, start + count);
                const g = logitsGradient(head(chunk), labels.subarray(start, start + count), vocab, at(weights));
                return headInputGradient(head, chunk, g.mul(dy) as Tensor2D);
              }),
            ),
          );
        }
        const g = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as Tensor2D); // [n, hidden]
        if (parts.length > 1) tf.dispose(parts);
        return g;
      },
    };
  });
  return op(h) as tf.Scalar;
}

/**
 * All labels in one chunk: the forward computes the logits once and keeps their gradient (softmax − one-hot,
 * [n, vocab], one chunk's worth) for the backward instead of the rows, so the backward does not run the head again
 * to recompute them (3 head products per step instead of 4). The kept block is freed when the backward has used
 * it, which is the first thing the backward does (the head is the last op of the forward), so no layer's tape
 * is ever alive beside it and the step's peak is what the chunked path's backward already reaches.
 */
function singleChunkNllSum(
  head: HeadFn,
  h: Tensor2D,
  labels: Int32Array,
  vocab: number,
  weights?: Float32Array,
): tf.Scalar {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as Tensor2D;
    const [value, dLogits] = withEagerGpuRelease(() =>
      tf.tidy(() => {
        const logits = head(x); // [n, vocab]
        // Its own scope, so logSumExp's [n, vocab] temporaries are gone before the gradient's are made.
        const nll = tf.tidy(() => chunkNll(logits, labels, weights));
        return [nll, logitsGradient(logits, labels, vocab, weights)] as const;
      }),
    );
    (args[1] as tf.GradSaveFunc)([x, dLogits]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = tf.tidy(() => headInputGradient(head, saved[0] as Tensor2D, saved[1].mul(dy) as Tensor2D)); // [n, hidden]
        // The engine frees saved tensors when the whole backward is done; this block is done with now, before
        // the layers' backward (and their recomputation) runs.
        saved[1].dispose();
        return dx;
      },
    };
  });
  return op(h) as tf.Scalar;
}

/** Σ wᵢ·(logSumExp(row) − row[label]) of one chunk (w = 1 when absent): logits [r, vocab] → scalar. */
function chunkNll(logits: Tensor2D, labels: Int32Array, weights?: Float32Array): tf.Scalar {
  const vocab = logits.shape[1];
  // The label logits by flat index (gather, not a one-hot product: no second [r, vocab] block).
  const at = Int32Array.from(labels, (label, i) => i * vocab + label);
  const target = tf.gather(logits.flatten(), tf.tensor1d(at, 'int32')); // [r]
  const perRow = tf.logSumExp(logits, 1).sub(target); // [r]
  return (weights ? perRow.mul(tf.tensor1d(weights)) : perRow).sum() as tf.Scalar;
}

/** d(Σ wᵢ·NLLᵢ)/d(logits) = (softmax − one-hot)·w of one chunk: logits [r, vocab] (disposed here) → [r, vocab]. */
function logitsGradient(logits: Tensor2D, labels: Int32Array, vocab: number, weights?: Float32Array): Tensor2D {
  const p = tf.softmax(logits) as Tensor2D; // [r, vocab]
  logits.dispose();
  const codes = tf.oneHot(tf.tensor1d(labels, 'int32'), vocab); // [r, vocab] int32 (wasm's OneHot ignores a float dtype)
  const oneHot = codes.toFloat(); // [r, vocab]
  codes.dispose();
  const diff = p.sub(oneHot) as Tensor2D;
  tf.dispose([p, oneHot]);
  if (!weights) return diff;
  const weighted = diff.mul(tf.tensor2d(weights, [weights.length, 1])) as Tensor2D; // [r, vocab]
  diff.dispose();
  return weighted;
}

/**
 * dLogits [r, vocab] → d rows [r, hidden] through the head's own gradient (a frozen matMul's, or a packed f16
 * head's kernel). This runs inside the outer backward pass, where tfjs's engine has no tape open: `tf.grad` opens
 * its own and, when done, clears `activeTape` — the field the outer pass still needs for its own clean-up — so the
 * outer tape is put back afterwards.
 */
function headInputGradient(head: HeadFn, rows: Tensor2D, dLogits: Tensor2D): Tensor2D {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const outer = state.activeTape;
  try {
    return tf.grad((x: tf.Tensor) => head(x as Tensor2D))(rows, dLogits) as Tensor2D;
  } finally {
    state.activeTape = outer;
  }
}
