/**
 * The contract between the model, the quantized base and LoRA.
 *
 * Every projection in a decoder layer (q/k/v/o/gate/up/down) is a frozen `Linear` addressed by its Hugging Face
 * module path (`model.layers.3.self_attn.q_proj`). The model computes `y = base.apply(x)` and then asks the
 * optional `AdapterHook` for a low-rank delta on the same input. Keeping the hook outside the base lets one
 * loaded base carry any number of adapters that are swapped without touching its weights.
 */
import type { Tensor1D, Tensor2D } from '../backend/tf';
import type { QuantMode } from '../spec/modules';

/** A frozen linear layer `y = x·Wᵀ + b`, W stored `[out, in]` as in the checkpoint. */
export interface Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly mode: QuantMode;
  /** Bytes the weight (+ scales, + bias) occupies on its backend. */
  readonly byteSize: number;
  /**
   * x: [rows, in] → [rows, out]. Differentiable with respect to `x` (the gradient is dY·W, computed from the
   * packed weight) so that LoRA gradients flow through frozen layers; never differentiable w.r.t. W.
   */
  apply(x: Tensor2D): Tensor2D;
  /** The bias [out] that `apply` adds, or null (DoRA rescales only the `x·Wᵀ` part). */
  readonly bias: Tensor1D | null;
  /** ‖W_o‖₂ per output row of the weight as the layer stores it (dequantized): DoRA's initial magnitude. */
  weightRowNorms(): Promise<Float32Array>;
  dispose(): void;
}

/** The base layer's output for the input the hook sees: DoRA rescales it instead of only adding to it. */
export interface BaseOutput {
  linear: Linear;
  /** `linear.apply(x)`: [rows, out], bias included. Owned by the caller of the hook. */
  y: Tensor2D;
}

/** Supplies the low-rank delta for a module, or null when no adapter targets it. */
export interface AdapterHook {
  /**
   * x: [rows, in] → [rows, out] delta added to the base output, or null. `base` (always given by the model) is
   * the frozen layer and its output on `x`, which DoRA needs; plain LoRA ignores it.
   */
  delta(path: string, x: Tensor2D, base?: BaseOutput): Tensor2D | null;
  /**
   * The delta for `path` when it is exactly Σ scale · (x·Aᵀ)·Bᵀ over these terms (plain LoRA, no dropout, no
   * DoRA), so generation may run each term as one fused op; [] when no adapter targets `path`; null when the delta
   * is anything else (then `delta` is the only way). Optional: hooks without it always go through `delta`.
   */
  lowRankTerms?(path: string): LowRankTerm[] | null;
  /**
   * `base.y` plus the delta for `path` as one op, where the hook and the backend have one (plain LoRA on wasm);
   * null otherwise (then `delta`). Optional. The caller still owns `base.y`.
   */
  addDelta?(path: string, x: Tensor2D, base: BaseOutput): Tensor2D | null;
}

/** One low-rank term of an adapter delta: scale · (x·Aᵀ)·Bᵀ with a [rank, in] and b [out, rank]. */
export interface LowRankTerm {
  a: Tensor2D;
  b: Tensor2D;
  scale: number;
}

/** Builds the base `Linear` for one checkpoint weight: dense or packed (`linear-factory.ts`). */
export type LinearFactory = (
  path: string,
  weight: Float32Array, // [out, in] row-major
  shape: [out: number, inp: number],
  bias: Float32Array | null, // [out]
) => Linear;

export type { Tensor1D };
