/**
 * WGSL for one chunk of an `AddN`: out = T0 + T1 + … + T(n−1), all of one shape. tfjs binds every input as its own
 * storage buffer (plus one for the output), so a program over n inputs needs n + 1 storage bindings; the kernel
 * (add-n-webgpu.ts) keeps n below the device's `maxStorageBuffersPerShaderStage`.
 */
// Type-only: the package is loaded lazily (src/backend/webgpu.ts), never by importing this file.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export class AddNChunkProgram implements WebGPUProgram {
  /** The common shape of every input and of the output. */
  outputShape: number[];
  /** Inputs `T0…T(n−1)`, each one storage binding. */
  variableNames: string[];
  /** One pipeline per input count (the WGSL is unrolled over the inputs). */
  shaderKey: string;
  /** Flat: one invocation per output element. */
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  /** Passes the element count as `uniforms.size` for the bounds check. */
  size = true;

  constructor(shape: number[], inputs: number) {
    this.outputShape = shape;
    this.variableNames = Array.from({ length: inputs }, (_, i) => `T${i}`);
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    const size = shape.reduce((a, b) => a * b, 1);
    // tfjs's backend folds an x count above maxComputeWorkgroupsPerDimension into y/z itself.
    this.dispatch = [Math.ceil(size / this.workgroupSize[0]), 1, 1];
    this.shaderKey = `lsAddN_${inputs}`;
  }

  getUserCode(): string {
    const sum = this.variableNames.map((v) => `get${v}ByOutputIndex(index)`).join(' + ');
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, ${sum});
        }
      }
    `;
  }
}
