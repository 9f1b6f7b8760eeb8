/**
 * Floating-point operation counts behind every GFLOP/s and MFU figure. One multiply-add counts as 2 FLOPs.
 */

/** FLOPs of an [m, k] × [k, n] matrix product. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}

/**
 * FLOPs per token of one LoRA training step, the usual 6N rule split in two:
 * - frozen base weights (`nBase`): forward 2N + input-gradient 2N = 4N; no weight gradient is computed.
 * - LoRA weights (`nLora`): forward 2N + input-gradient 2N + weight-gradient 2N = 6N.
 * Attention score FLOPs (QKᵀ, AV) are left out, as in the 6N rule, so MFU is a slight under-estimate for long
 * sequences rather than a flattering one.
 */
export function trainFlopsPerToken(nBase: number, nLora: number): number {
  return 4 * nBase + 6 * nLora;
}

/**
 * Backend-MFU: achieved training FLOP/s as a fraction of the backend's own measured fp32 matMul peak in the same
 * run. `(4·N_base + 6·N_lora) · tokens/s ÷ peak`. Returns a fraction (0.4 = 40 %).
 */
export function backendMfu(nBase: number, nLora: number, tokensPerSec: number, peakFlopsPerSec: number): number {
  if (!(peakFlopsPerSec > 0)) throw new Error('backendMfu: peak must be positive');
  return (trainFlopsPerToken(nBase, nLora) * tokensPerSec) / peakFlopsPerSec;
}

/** LoRA parameters of one adapted `[out, in]` projection at `rank`: loraA [rank, in] + loraB [out, rank]. */
export function loraParams(inFeatures: number, outFeatures: number, rank: number): number {
  return rank * (inFeatures + outFeatures);
}
