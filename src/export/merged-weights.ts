/**
 * The base's weights with adapters folded in, one tensor at a time: W' = W + Σ wᵢ·sᵢ·Bᵢ·Aᵢ, read from the
 * checkpoint's own f32/bf16/f16 values (never from the engine's quantized copy) and returned as f32. Only the
 * tensor being read and the adapters' small factors are in memory, so a merge streams straight into a file.
 */
import { readTensorF32 } from '../formats/safetensors';
import { decodeFloats, SAFETENSORS_DTYPE_BYTES, type FloatDtype } from '../formats/safetensors-dtype';
import { rescaleRows } from '../lora/dora';
import type { Stacked } from '../lora/merge';
import { expectedTensors, openCheckpoint, validateCheckpoint, type ExpectedTensor } from '../model/checkpoint';
import type { ModelConfig } from '../model/config';
import type { ModelFiles } from '../spec/model-files';

/** A checkpoint opened for merging. */
export interface MergedWeights {
  /** Every tensor the model has, in checkpoint order, with its shape. */
  tensors: readonly ExpectedTensor[];
  /** f32 values of one tensor with the adapter delta added when it is an adapted projection's weight. */
  read(name: string): Promise<Float32Array>;
  /**
   * The same values as consecutive blocks of whole rows, each at most about `maxBytes` of f32, so an embedding of
   * a billion-parameter model (1 GiB in f32) never sits in memory at once.
   */
  rows(name: string, maxBytes?: number): AsyncIterable<Float32Array>;
}

/** Row blocks of 16 MiB of f32 by default. */
export const ROW_BLOCK_BYTES = 16 * 2 ** 20;

/** w[rows, in] += b[rowStart.., R] · a[R, in] in place: the update of output rows [rowStart, rowStart + rows). */
export function addLowRank(w: Float32Array, s: Stacked, rowStart = 0): void {
  const { rank: r, inFeatures: n } = s;
  const m = w.length / n;
  if (!Number.isInteger(m) || rowStart + m > s.outFeatures)
    throw new Error(`low-rank update of ${s.outFeatures}×${n} applied to ${w.length} values at row ${rowStart}`);
  for (let o = rowStart; o < rowStart + m; o++) {
    const row = (o - rowStart) * n;
    for (let k = 0; k < r; k++) {
      const c = s.b[o * r + k];
      if (c === 0) continue;
      const a = k * n;
      for (let i = 0; i < n; i++) w[row + i] += c * s.a[a + i];
    }
  }
}

/**
 * Opens `files` and checks that every adapted module exists in the base with the adapter's shape (an adapter on
 * layers the base lacks fails here, before anything is written).
 */
export async function openMergedWeights(
  files: ModelFiles,
  config: ModelConfig,
  factors: ReadonlyMap<string, Stacked>,
): Promise<MergedWeights> {
  const ckpt = await openCheckpoint(files);
  const tensors = expectedTensors(config);
  validateCheckpoint(files, ckpt, tensors);
  const shapes = new Map(tensors.map((t) => [t.name, t.shape]));
  for (const [path, s] of factors) {
    const shape = shapes.get(`${path}.weight`);
    if (!shape)
      throw new Error(`the adapter has weights for '${path}', which the base model ${files.label} does not have`);
    if (shape[0] !== s.outFeatures || shape[1] !== s.inFeatures) {
      throw new Error(
        `the adapter's '${path}' is ${s.outFeatures}×${s.inFeatures} but the base's is ${shape[0]}×${shape[1]}: a different base`,
      );
    }
  }
  const factorOf = (name: string) =>
    name.endsWith('.weight') ? factors.get(name.slice(0, -'.weight'.length)) : undefined;
  return {
    tensors,
    async read(name) {
      const { header } = ckpt.locate(name)!;
      const values = await readTensorF32(files, header, name);
      const s = factorOf(name);
      if (s) addLowRank(values, s);
      if (s?.magnitude) rescaleRows(values, s.inFeatures, s.magnitude); // DoRA folded in (lora/dora.ts)
      return values;
    },
    async *rows(name, maxBytes = ROW_BLOCK_BYTES) {
      const { header, info } = ckpt.locate(name)!;
      const cols = info.shape.length === 2 ? info.shape[1] : info.shape[0];
      const rows = info.shape.length === 2 ? info.shape[0] : 1;
      const width = SAFETENSORS_DTYPE_BYTES[info.dtype];
      const step = Math.max(1, Math.floor(maxBytes / (4 * cols)));
      const s = factorOf(name);
      for (let r = 0; r < rows; r += step) {
        const end = Math.min(rows, r + step);
        const bytes = await files.read(header.file, info.begin + r * cols * width, info.begin + end * cols * width);
        if (bytes.byteLength !== (end - r) * cols * width)
          throw new Error(`${files.label}/${header.file}: truncated tensor '${name}'`);
        const block = decodeFloats(bytes, info.dtype as FloatDtype); // [end − r, cols]
        if (s) addLowRank(block, s, r);
        if (s?.magnitude) rescaleRows(block, cols, s.magnitude.subarray(r, end)); // DoRA folded in, these rows
        yield block;
      }
    },
  };
}
