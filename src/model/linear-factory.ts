/** Builds the frozen base layers for the model loader (the `LinearFactory` contract of `model/linear.ts`). */
import type { Linear, LinearFactory } from './linear';
import type { QuantMode } from '../spec/modules';
import { DenseLinear } from './dense-linear';
import { assertFitsDevice } from '../quant/device-limits';
import { assertGroupSize, DEFAULT_GROUP_SIZE, type GroupSize, type PackedWeight } from '../quant/packed';
import { QuantLinear } from './quant-linear';
import { quantize } from '../quant/quantize';

/** Options of `createLinearFactory`. */
export interface LinearFactoryOptions {
  /** Columns per scale: 32, 64 (default) or 128. */
  groupSize?: GroupSize;
  /**
   * Called with every packed weight right after quantization, before it is uploaded: lets the storage layer
   * cache the quantized model without reading it back from the GPU. The arrays must not be modified.
   */
  onPacked?: (path: string, packed: PackedWeight) => void;
}

/** A LinearFactory that stores every weight in `mode`. */
export function createLinearFactory(mode: QuantMode, opts: LinearFactoryOptions = {}): LinearFactory {
  const groupSize = opts.groupSize ?? DEFAULT_GROUP_SIZE;
  assertGroupSize(groupSize);
  return (path, weight, shape, bias) => {
    try {
      if (mode === 'f32') {
        // The model's own f32 layer (its matMul form is the fast one on every backend); we only add the size guard.
        assertFitsDevice(weight.byteLength, `weight [${shape[0]}, ${shape[1]}] f32`);
        return new DenseLinear(weight, shape, bias);
      }
      const packed = quantize(weight, shape, mode, groupSize);
      opts.onPacked?.(path, packed);
      return new QuantLinear(packed, bias);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
    }
  };
}

/** A Linear from an already packed weight (e.g. read back from the IndexedDB cache): no re-quantization. */
export function createPackedLinear(packed: PackedWeight, bias: Float32Array | null): Linear {
  return new QuantLinear(packed, bias);
}
