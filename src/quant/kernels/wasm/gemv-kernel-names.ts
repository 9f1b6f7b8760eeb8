/**
 * Export names of the integer-dot GEMV kernels (gemv-wasm.ts's modules), for the host's calls by name (the kernel
 * pool's workers take them by name too).
 */
import type { GemvKernels, Q16GemvMode } from './gemv-wasm';

/** A GEMV kernel's export name. */
export type GemvKernelName = keyof GemvKernels & `gemv_${string}`;

/**
 * The names, built once each and found by a number: a name built per call (a decode step makes ~30 calls at the
 * demo's widths, ~210 at SmolLM2's) is a fresh string that V8 hashes again at each lookup of the kernel by it.
 */
const kernelNames = new Map<number, GemvKernelName>();

/** The 8-bit kernel for a block of `rows` (the lane-fold one for 4 rows with `lanes`), i16 sums or dot-adds. */
export function q8KernelName(g: number, rows: number, dotAdd: boolean, lanes: boolean): GemvKernelName {
  const key = 4 * (8 * g + rows) + (dotAdd ? 1 : 0) + (lanes ? 2 : 0);
  const name = kernelNames.get(key);
  if (name !== undefined) return name;
  const variant = (lanes ? 'r4l' : `r${rows}`) + (dotAdd ? 'd' : '');
  kernelNames.set(key, `gemv_int4_q8_g${g}_${variant}` as GemvKernelName);
  return kernelNames.get(key)!;
}

/** The 16-bit kernel of `mode` for a block of `rows`. */
export function q16KernelName(mode: Q16GemvMode, g: number, rows: number): GemvKernelName {
  const key = -1 - (4 * (8 * g + rows) + (mode === 'int4' ? 1 : 0)); // negative: apart from the 8-bit keys
  const name = kernelNames.get(key);
  if (name !== undefined) return name;
  kernelNames.set(key, `gemv_${mode}_q16_g${g}_r${rows}` as GemvKernelName);
  return kernelNames.get(key)!;
}
