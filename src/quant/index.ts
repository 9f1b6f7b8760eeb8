/**
 * The quantized base: packing (int8, int4, NF4, f16) with per-group scales, the reference decoder, the byte
 * format for caching, and the kernels that compute with weights that stay packed on the backend (WGSL on webgpu;
 * on wasm our own SIMD GEMV for decode, `kernels/wasm/`; table-driven JS + BatchMatMul otherwise). The `Linear` layers built on them are src/model's
 * (`quant-linear.ts`, `linear-factory.ts`).
 */
export { quantize, quantizeInt8, quantizeInt4, quantizeNf4, quantizeF16 } from './quantize';
export { dequantize, dequantizeInt8, dequantizeInt4, dequantizeNf4, dequantizeF16 } from './dequantize';
export { serializePacked, deserializePacked } from './serialize';
export {
  packedByteSize,
  packedLayout,
  DEFAULT_GROUP_SIZE,
  GROUP_SIZES,
  PACKED_MODES,
  type PackedWeight,
  type PackedMode,
  type PackedLayout,
  type GroupSize,
} from './packed';
export { NF4_LEVELS } from './levels';
export { registerQuantKernels } from './kernels/register';
export { QUANT_MATMUL, QUANT_MATMUL_INPUT_GRAD, type QuantKernelAttrs } from './kernels/names';
export { assertFitsDevice, maxStorageBindingBytes } from './device-limits';
