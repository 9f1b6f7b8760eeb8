/**
 * Micro-benchmark of one quantized layer against the f32 layer (tfjs matMul) on the active backend: bytes, output error
 * and time per call at several row counts. Used by the `quant` CLI command; runs anywhere the engine runs.
 */
import { tf, type Tensor, type Tensor2D } from '../../backend/tf';
import type { QuantMode } from '../../spec/modules';
import { createLinearFactory } from '../../model/linear-factory';
import { packedByteSize, type GroupSize } from '../../quant/packed';
import { randomUniform, randomWeight } from '../../quant/synthetic';

export interface QuantBenchOptions {
  mode: QuantMode;
  groupSize: GroupSize;
  outFeatures: number;
  inFeatures: number;
  /** Row counts M to time (1 = decode, larger = prefill/training). */
  rows: number[];
  /** Timed calls per row count (after one untimed warm-up call that also compiles GPU pipelines). */
  reps: number;
}

export interface QuantBenchRow {
  rows: number;
  /** ms per QuantLinear.apply. */
  quantMs: number;
  /** ms per apply of the f32 base layer (the model's DenseLinear: the fastest matMul form per backend). */
  f32Ms: number;
  /** f32Ms / quantMs (> 1: the quantized kernel is faster). */
  speedup: number;
  /** ms per input-gradient call (dy·W from the packed weight). */
  inputGradMs: number;
}

export interface QuantBenchResult {
  backend: string;
  mode: QuantMode;
  groupSize: GroupSize;
  shape: [number, number];
  bytes: number;
  f32Bytes: number;
  /** ‖y_quant − y_f32‖ / ‖y_f32‖ on random inputs. */
  outputRelError: number;
  quantizeMs: number;
  results: QuantBenchRow[];
}

/** Mean ms per call of `f`, over `reps` calls queued back to back and synchronised once at the end. */
async function timePerCall(f: () => Tensor, reps: number): Promise<number> {
  tf.dispose(await syncResult(f()));
  const start = performance.now();
  const outs: Tensor[] = [];
  for (let i = 0; i < reps; i++) outs.push(f());
  await outs[outs.length - 1].data();
  const ms = (performance.now() - start) / reps;
  tf.dispose(outs);
  return ms;
}

async function syncResult(t: Tensor): Promise<Tensor> {
  await t.data();
  return t;
}

function relError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / (den || 1));
}

/** Benchmarks one [out, in] layer in `mode`; the caller chooses the backend beforehand. */
export async function benchQuantLinear(options: QuantBenchOptions): Promise<QuantBenchResult> {
  const shape: [number, number] = [options.outFeatures, options.inFeatures];
  const w = randomWeight(options.outFeatures * options.inFeatures, 1);
  const t0 = performance.now();
  const lin = createLinearFactory(options.mode, { groupSize: options.groupSize })('bench', w, shape, null);
  const quantizeMs = performance.now() - t0;
  const dense = createLinearFactory('f32')('bench-f32', w, shape, null); // f32 baseline
  const results: QuantBenchRow[] = [];
  let outputRelError = 0;
  for (const m of options.rows) {
    const x = tf.tensor2d(randomUniform(m * options.inFeatures, m), [m, options.inFeatures]);
    const dy = tf.tensor2d(randomUniform(m * options.outFeatures, m + 1), [m, options.outFeatures]);
    const quantMs = await timePerCall(() => lin.apply(x), options.reps);
    const f32Ms = await timePerCall(() => dense.apply(x), options.reps);
    const grad = tf.grad((xx: Tensor) => tf.sum(tf.mul(lin.apply(xx as Tensor2D), dy)));
    const inputGradMs = await timePerCall(() => grad(x), Math.max(1, Math.ceil(options.reps / 2)));
    const yq = lin.apply(x);
    const yf = dense.apply(x);
    outputRelError = Math.max(
      outputRelError,
      relError((await yq.data()) as Float32Array, (await yf.data()) as Float32Array),
    );
    tf.dispose([x, dy, yq, yf]);
    results.push({ rows: m, quantMs, f32Ms, speedup: f32Ms / quantMs, inputGradMs });
  }
  dense.dispose();
  lin.dispose();
  return {
    backend: tf.getBackend(),
    mode: options.mode,
    groupSize: options.groupSize,
    shape,
    bytes: lin.byteSize,
    f32Bytes: packedByteSize(shape, 'f32'),
    outputRelError,
    quantizeMs,
    results,
  };
}
