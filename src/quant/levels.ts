/**
 * Code books of the 4-bit formats.
 *
 * NF4 is QLoRA's NormalFloat-4 (Dettmers et al. 2023, https://arxiv.org/abs/2305.14314): the 16 quantiles of a
 * standard normal, rescaled to [-1, 1], with an exact zero. Values copied from bitsandbytes (see
 * /work/shared/REFERENCE.md); a block is scaled by its absmax, so `w ≈ NF4_LEVELS[code] * absmax`.
 */
export const NF4_LEVELS: readonly number[] = Object.freeze([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);

/** The NF4 code of 0.0 (padding codes use it so padded columns dequantize to exactly zero). */
export const NF4_ZERO_CODE = 7;

/** Midpoints between consecutive NF4 levels: code = number of midpoints below the normalized value. */
const NF4_MIDPOINTS: Float64Array = (() => {
  const mids = new Float64Array(15);
  for (let i = 0; i < 15; i++) mids[i] = (NF4_LEVELS[i] + NF4_LEVELS[i + 1]) / 2;
  return mids;
})();

/** Nearest NF4 code for a value already normalized to [-1, 1] (ties go to the upper level). */
export function nearestNf4Code(v: number): number {
  // Binary search over 15 midpoints: 4 comparisons.
  let lo = 0;
  let hi = 15;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v >= NF4_MIDPOINTS[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Largest code magnitude of the symmetric integer formats: codes lie in [-QMAX, QMAX], scale = absmax / QMAX. */
export const INT8_QMAX = 127;
/** int4 codes lie in [-7, 7]; -8 is never produced so that the format stays symmetric around zero. */
export const INT4_QMAX = 7;
