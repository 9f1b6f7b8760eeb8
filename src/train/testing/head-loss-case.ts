/**
 * One check of the chunked LM head + cross-entropy (head-loss.ts) against the unchunked loss on whatever backend is
 * active, shared by the cpu/wasm and WebGPU tests: loss, gradient w.r.t. the hidden rows, and the peak tensor bytes
 * of each under `tf.variableGrads`.
 */
import { withMemoryPeak } from '../../backend/memory-probe';
import { tf, type Tensor2D } from '../../backend/tf';
import { matMulFrozenT } from '../../model/frozen-matmul';
import { Rng } from '../../util/rng';
import { chunkedHeadNllSum } from '../head-loss';
import { tokenNllSum } from '../loss';

export interface HeadLossComparison {
  /** |chunked − whole| / |whole| of Σ NLL. */
  lossRelErr: number;
  /** max |Δ gradient| / max |gradient| over the hidden rows. */
  gradRelErr: number;
  /** Peak tensor bytes of one loss + gradient, each way. */
  wholePeak: number;
  chunkedPeak: number;
  /** One [rows, vocab] f32 block, for scale. */
  logitsBytes: number;
  /** Calls of the head function by the chunked loss + gradient (each a forward product; its backward is the other). */
  chunkedHeadCalls: number;
}

/** rows × hidden hidden states, a vocab × hidden head, in chunks of `chunkValues` logits (one or several, ragged). */
export async function compareHeadLoss(
  rows: number,
  hidden: number,
  vocab: number,
  chunkValues: number,
): Promise<HeadLossComparison> {
  const rng = new Rng(5);
  const normal = (n: number, std: number) => Float32Array.from({ length: n }, () => rng.normal(0, std));
  const w = tf.tensor2d(normal(vocab * hidden, 0.5), [vocab, hidden]); // [vocab, hidden]
  const hv = tf.variable(tf.tensor2d(normal(rows * hidden, 1), [rows, hidden]), true); // [rows, hidden]
  const labels = Int32Array.from({ length: rows }, () => rng.nextInt(vocab));
  const head = (x: Tensor2D) => matMulFrozenT(x, w); // [r, vocab]
  const run = async (loss: () => tf.Scalar) =>
    withMemoryPeak(async () => {
      const { value, grads } = tf.variableGrads(loss, [hv]);
      const out = { loss: (await value.data())[0], grad: (await grads[hv.name].data()) as Float32Array };
      tf.dispose([value, grads[hv.name]]);
      return out;
    });
  const whole = await run(() => tokenNllSum(head(hv), labels));
  let chunkedHeadCalls = 0;
  const counted = (x: Tensor2D) => (chunkedHeadCalls++, head(x));
  const chunked = await run(() => chunkedHeadNllSum(counted, hv, labels, vocab, chunkValues));
  tf.dispose([w, hv]);
  let maxDiff = 0;
  let maxGrad = 0;
  whole.result.grad.forEach((g, i) => {
    maxGrad = Math.max(maxGrad, Math.abs(g));
    maxDiff = Math.max(maxDiff, Math.abs(g - chunked.result.grad[i]));
  });
  return {
    lossRelErr: Math.abs(chunked.result.loss - whole.result.loss) / Math.abs(whole.result.loss),
    gradRelErr: maxDiff / maxGrad,
    wholePeak: whole.peak.tensorBytes,
    chunkedPeak: chunked.peak.tensorBytes,
    logitsBytes: 4 * rows * vocab,
    chunkedHeadCalls,
  };
}
