/**
 * The base's weights with adapters folded in, one tensor at a time: W' = W + Σ wᵢ·sᵢ·Bᵢ·Aᵢ, read from the
 * checkpoint's own f32/bf16/f16 values (never from the engine's quantized copy) and returned as f32. Only the
 * tensor being read and the adapters' small factors are in memory, so a merge streams straight into a file.
 */
import { readTensorF32 } from '../formats/safetensors';
import type { Stacked } from '../lora/merge';
import { expectedTensors, openCheckpoint, validateCheckpoint, type ExpectedTensor } from '../model/checkpoint';
import type { ModelConfig } from '../model/config';
import type { ModelFiles } from '../model/model-files';

/** A checkpoint opened for merging. */
export interface MergedWeights {
  /** Every tensor the model has, in checkpoint order, with its shape. */
  tensors: readonly ExpectedTensor[];
  /** f32 values of one tensor with the adapter delta added when it is an adapted projection's weight. */
  read(name: string): Promise<Float32Array>;
}

/** w[out, in] += b[out, R] · a[R, in], in place. */
export function addLowRank(w: Float32Array, s: Stacked): void {
  const { rank: r, inFeatures: n, outFeatures: m } = s;
  if (w.length !== m * n) throw new Error(`low-rank update of ${m}×${n} applied to ${w.length} values`);
  for (let o = 0; o < m; o++) {
    const row = o * n;
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
export async function openMergedWeights(files: ModelFiles, config: ModelConfig, factors: ReadonlyMap<string, Stacked>): Promise<MergedWeights> {
  const ckpt = await openCheckpoint(files);
  const tensors = expectedTensors(config);
  validateCheckpoint(files, ckpt, tensors);
  const shapes = new Map(tensors.map((t) => [t.name, t.shape]));
  for (const [path, s] of factors) {
    const shape = shapes.get(`${path}.weight`);
    if (!shape) throw new Error(`the adapter has weights for '${path}', which the base model ${files.label} does not have`);
    if (shape[0] !== s.outFeatures || shape[1] !== s.inFeatures) {
      throw new Error(`the adapter's '${path}' is ${s.outFeatures}×${s.inFeatures} but the base's is ${shape[0]}×${shape[1]}: a different base`);
    }
  }
  return {
    tensors,
    async read(name) {
      const { header } = ckpt.locate(name)!;
      const values = await readTensorF32(files, header, name);
      const s = name.endsWith('.weight') ? factors.get(name.slice(0, -'.weight'.length)) : undefined;
      if (s) addLowRank(values, s);
      return values;
    },
  };
}
