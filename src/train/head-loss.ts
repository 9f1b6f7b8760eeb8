/**
 * The LM head and cross-entropy in row chunks, forward *and* backward, so the [labels, vocab] logits and their
 * gradient never exist whole (issue 12): at a 150k vocabulary and 512 label rows that pair would be 600 MiB.
 *
 * tfjs's tape keeps what each op saves for its gradient until the whole backward pass is done, so chunking the
 * forward alone (as the loss did before) still leaves every chunk's logits alive at the peak. Here one custom
 * gradient covers head + loss, and its forward already takes each chunk's gradient with respect to the rows: the
 * chunk's logits once forward, softmax − one-hot, then the head's input gradient on a tape of the chunk's own
 * (`chunkNllAndGrad`). The forward keeps only that gradient [n, hidden] for the backward, which scales it by dy.
 * So the head runs as PyTorch runs it, one product forward and one backward per label row, and no [chunk, vocab]
 * block outlives its chunk. The head itself is frozen (no gradient to its weight).
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
  const chunks = Array.from({ length: Math.ceil(n / rows) }, (_, i) => {
    const start = i * rows;
    const count = Math.min(rows, n - start);
    return {
      start,
      count,
      labels: labels.subarray(start, start + count),
      weights: weights?.subarray(start, start + count),
    };
  });
  // No gradient recorded (evaluation): the loss alone.
  if (!tf.engine().isTapeOn()) {
    let sum = tf.scalar(0);
    for (const c of chunks) {
      const part = withEagerGpuRelease(() =>
        tf.tidy(() => chunkNll(head(h.slice([c.start, 0], [c.count, -1])), c.labels, c.weights)),
      );
      const next = sum.add(part) as tf.Scalar;
      tf.dispose([sum, part]);
      sum = next;
    }
    return sum;
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as Tensor2D;
    let sum = tf.scalar(0);
    const grads: Tensor2D[] = [];
    for (const c of chunks) {
      const [part, grad] = withEagerGpuRelease(() =>
        chunkNllAndGrad(head, x.slice([c.start, 0], [c.count, -1]) as Tensor2D, c.labels, vocab, c.weights),
      );
      const next = sum.add(part) as tf.Scalar;
      tf.dispose([sum, part]);
      sum = next;
      grads.push(grad); // [count, hidden]
    }
    const dx = grads.length === 1 ? grads[0] : (tf.concat(grads, 0) as Tensor2D); // [n, hidden]
    if (grads.length > 1) tf.dispose(grads);
    (args[1] as tf.GradSaveFunc)([dx]);
    return { value: sum, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved[0].mul(dy) };
  });
  return op(h) as tf.Scalar;
}

/**
 * One chunk's Σ wᵢ·NLLᵢ and its gradient with respect to the rows [r, hidden], on a tape of its own: the head runs
 * once forward, the loss op keeps softmax − one-hot (its input's gradient) instead of the logits, and the head's
 * backward takes that block straight to the rows. Callable inside another op's forward, where tfjs records nothing
 * (`withOwnTape`). Caller owns both.
 */
function chunkNllAndGrad(
  head: HeadFn,
  rows: Tensor2D,
  labels: Int32Array,
  vocab: number,
  weights?: Float32Array,
): [tf.Scalar, Tensor2D] {
  const nll = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const logits = args[0] as Tensor2D; // [r, vocab]
    const p = tf.softmax(logits) as Tensor2D; // [r, vocab]
    const value = tf.tidy(() => nllOfSoftmax(logits, p, labels, weights));
    logits.dispose();
    (args[1] as tf.GradSaveFunc)([logitsGradient(p, labels, vocab, weights)]); // frees p
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved[0].mul(dy) };
  });
  return withOwnTape(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => nll(head(x as Tensor2D)) as tf.Scalar)(rows);
    return [value, grad as Tensor2D];
  });
}

/**
 * Runs `fn` with a tape of its own, as if no gradient were being recorded around it: inside a custom gradient's
 * forward tfjs records nothing (its kernel depth is 1) and shares the outer tape, and a finished inner `tf.grad`
 * would clear that outer tape. The engine's three tape fields are put back afterwards.
 */
function withOwnTape<T>(fn: () => T): T {
  const state = (tf.engine() as unknown as { state: TapeState }).state;
  const outer = { activeTape: state.activeTape, gradientDepth: state.gradientDepth, kernelDepth: state.kernelDepth };
  Object.assign(state, { activeTape: null, gradientDepth: 0, kernelDepth: 0 });
  try {
    return fn();
  } finally {
    Object.assign(state, outer);
  }
}

/** The fields of tfjs's engine state that say whether, and onto what, kernels are recorded. */
interface TapeState {
  activeTape: unknown;
  gradientDepth: number;
  kernelDepth: number;
}

/** Σ wᵢ·NLLᵢ of one chunk (w = 1 when absent), logits [r, vocab] → scalar, through its softmax (`nllOfSoftmax`). */
function chunkNll(logits: Tensor2D, labels: Int32Array, weights?: Float32Array): tf.Scalar {
  return nllOfSoftmax(logits, tf.softmax(logits) as Tensor2D, labels, weights);
}

/**
 * Σ wᵢ·(logSumExp(row) − row[label]) from the logits and their softmax p: the largest p of a row is exp(0)/Σexp(x −
 * max) = 1/Σ, so logSumExp = max − log(max p), with max p ≥ 1/vocab (no underflow). The gradient needs p anyway,
 * and tfjs-wasm's Exp is a scalar loop: a SmolLM2 chunk's logSumExp took 21 ms of a 1.4 s step, its softmax (XNNPACK)
 * 2.7 ms. logits, p [r, vocab] → scalar (neither disposed).
 */
function nllOfSoftmax(logits: Tensor2D, p: Tensor2D, labels: Int32Array, weights?: Float32Array): tf.Scalar {
  const vocab = logits.shape[1];
  // The label logits by flat index (gather, not a one-hot product: no second [r, vocab] block).
  const at = Int32Array.from(labels, (label, i) => i * vocab + label);
  const target = tf.gather(logits.flatten(), tf.tensor1d(at, 'int32')); // [r]
  const perRow = logits.max(1).sub(target).sub(p.max(1).log()); // [r]
  return (weights ? perRow.mul(tf.tensor1d(weights)) : perRow).sum() as tf.Scalar;
}

/** d(Σ wᵢ·NLLᵢ)/d(logits) = (softmax − one-hot)·w of one chunk: p [r, vocab] (disposed here) → [r, vocab]. */
function logitsGradient(p: Tensor2D, labels: Int32Array, vocab: number, weights?: Float32Array): Tensor2D {
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
