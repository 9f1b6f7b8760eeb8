/**
 * The per-kernel table the profile scripts print: one `tf.profile` of `fn`, calls and summed kernel time per kernel
 * name, matMuls split by operand shapes (which product costs what). Kernel times nest (custom-gradient scopes and
 * the packed kernels are timed around the kernels they run), so the lines overlap.
 */
import { tf } from '../../src/backend/tf';

/** Kernel name, with the operand shapes for matMuls. */
export function kernelLabel(k: { name: string; inputShapes: number[][] }): string {
  return k.name === 'BatchMatMul' || k.name === '_FusedMatMul'
    ? `${k.name} ${k.inputShapes.map((s) => `[${s.join(',')}]`).join('·')}`
    : k.name;
}

/** Profiles one call of `fn`; rows label → calls and ms, largest first, and the number of kernels run. */
export async function kernelTable(
  fn: () => Promise<void>,
): Promise<{ kernels: number; rows: [string, { calls: number; ms: number }][] }> {
  const info = await tf.profile(fn);
  const sums = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const e = sums.get(kernelLabel(k)) ?? { calls: 0, ms: 0 };
    sums.set(kernelLabel(k), { calls: e.calls + 1, ms: e.ms + Number(await k.kernelTimeMs) });
  }
  return { kernels: info.kernels.length, rows: [...sums].sort((a, b) => b[1].ms - a[1].ms) };
}

/** Prints the first `top` rows, one line each. */
export function printKernelTable(rows: [string, { calls: number; ms: number }][], top: number): void {
  for (const [k, v] of rows.slice(0, top))
    console.log(`  ${k.padEnd(64)} ${String(v.calls).padStart(5)} calls ${v.ms.toFixed(1).padStart(8)} ms`);
}
