/**
 * The decode path (M ≤ `maxRows` rows, one GEMV each) of QuantMatMul on the wasm backend through our SIMD kernels,
 * in place on tfjs-wasm's heap: the packed words, scales and y are the tensors themselves, only x is re-laid out
 * into one transient tensor of a few KB. Returns false when the mode or the backend is not covered, and the
 * caller runs the JS kernel instead.
 */
import type { tf } from '../../../backend/tf';
import {
  backendMemory,
  heapOffset,
  readWasmInternals,
  type WasmBackendInternals,
} from '../../../backend/kernels/wasm-heap-views';
import { inDecodeStep } from '../../../backend/decode-step';
import type { QuantKernelAttrs } from '../names';
import { packedLayout } from '../../packed';
import {
  gemvKernels,
  isQ16Mode,
  prepareX,
  prepareXq16,
  scratchFloats,
  type GemvKernels,
  type WasmGemvMode,
} from './gemv-wasm';

/** Switch for tests and benches: false runs the JS kernel on wasm too. */
export const wasmGemvSettings = {
  enabled: true,
  /**
   * Rows up to which the forward runs one GEMV per row rather than decoding W into a block for XNNPACK. Measured
   * (QuantMatMul through runKernel, Node wasm plain SIMD, SmolLM2-135M shapes, best of 5 on a loaded machine): int4/int8/nf4 at
   * M = 2..8 took 0.1–3.0 ms as GEMVs against 1.0–6.4 ms on the block path, every shape and mode.
   */
  maxRows: 8,
  /**
   * When int8/int4 GEMVs quantize x to 16-bit integers per weight group and run integer dot products (≤ 2.2·10⁻⁵
   * of the largest |y| off x·dequant(W)ᵀ, 2–3× faster; see gemv-q16-wat.ts) instead of keeping x in floats
   * (x·dequant(W)ᵀ to float rounding): 'decode' inside a cached decode step only (backend/decode-step.ts),
   * 'always', or 'never'. nf4 always keeps x in floats.
   */
  quantizeX: 'decode' as 'decode' | 'always' | 'never',
  /** GEMVs run by the wasm kernels (tests check the path ran). */ calls: 0,
  /** Of those, the ones that quantized x (tests check the setting took). */ quantizedCalls: 0,
};

/** The backend's internals, its heap and the kernels bound to that heap; null when any is missing. */
function boundKernels(
  backend: object,
): { b: WasmBackendInternals; memory: WebAssembly.Memory; kernels: GemvKernels } | null {
  const b = readWasmInternals(backend);
  const memory = b ? backendMemory(b) : null;
  const kernels = memory ? gemvKernels(memory) : null;
  return b && memory && kernels ? { b, memory, kernels } : null;
}

/** The kernels bound to this backend's heap, or null (not tfjs-wasm 4.x, or no SIMD). */
export function kernelsForBackend(backend: object): GemvKernels | null {
  return boundKernels(backend)?.kernels ?? null;
}

/** y [m, out] = x [m, in] · Wᵀ through the wasm kernels; false (nothing written) when they do not apply. */
export function wasmGemv(
  backend: object,
  a: QuantKernelAttrs,
  inputs: { x: tf.TensorInfo; words: tf.TensorInfo; scales?: tf.TensorInfo },
  y: tf.TensorInfo,
  alloc: (shape: number[]) => tf.TensorInfo,
  dispose: (t: tf.TensorInfo) => void,
): boolean {
  if (!wasmGemvSettings.enabled || a.mode === 'f16' || !inputs.scales) return false;
  const bound = boundKernels(backend);
  if (!bound) return false;
  const { b, memory, kernels } = bound;
  const mode: WasmGemvMode = a.mode;
  const { quantizeX } = wasmGemvSettings;
  // The mode when x goes in as 16-bit integers, else null.
  const q16 = isQ16Mode(mode) && (quantizeX === 'always' || (quantizeX === 'decode' && inDecodeStep())) ? mode : null;
  const l = packedLayout(mode, a.inFeatures, a.groupSize);
  const m = inputs.x.shape[0];
  // q16: xq [paddedIn] as i16 then one f32 scale per group; f32: x laid out (+ int4 group corrections)
  const floats = q16 ? l.paddedIn / 2 + l.groupsPerRow : scratchFloats(mode, l.paddedIn, a.groupSize);
  const scratch = alloc([floats]);
  try {
    const heap = () => memory.buffer;
    const xOff = heapOffset(b, inputs.x);
    const sOff = heapOffset(b, scratch);
    const gemv = q16 ? kernels[`gemv_${q16}_q16`] : kernels[`gemv_${mode}`];
    const groupBytes = (a.groupSize / l.codesPerWord) * 4;
    const tailOff = sOff + (q16 ? l.paddedIn * 2 : l.paddedIn * 4); // the group scales or corrections
    for (let r = 0; r < m; r++) {
      // Views taken after the last allocation (the heap may have grown).
      const xs = new Float32Array(heap(), xOff, m * a.inFeatures);
      if (q16) {
        const xq = new Int16Array(heap(), sOff, l.paddedIn);
        const xscale = new Float32Array(heap(), tailOff, l.groupsPerRow);
        prepareXq16(q16, xs, r * a.inFeatures, a.inFeatures, xq, xscale, l.paddedIn, a.groupSize);
      } else {
        const dst = new Float32Array(heap(), sOff, floats);
        prepareX(mode, xs, r * a.inFeatures, a.inFeatures, dst, l.paddedIn, a.groupSize);
      }
      gemv(
        heapOffset(b, inputs.words),
        heapOffset(b, inputs.scales),
        sOff,
        heapOffset(b, y) + r * a.outFeatures * 4,
        a.outFeatures,
        l.rowWords * 4,
        l.groupsPerRow,
        groupBytes,
        tailOff,
      );
    }
  } finally {
    dispose(scratch);
  }
  wasmGemvSettings.calls++;
  if (q16) wasmGemvSettings.quantizedCalls++;
  return true;
}
