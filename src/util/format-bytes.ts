/** Byte sizes in binary units, one wording for the engine's messages, the CLI and the studio. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * "1.5 GiB", "512 MiB", "12 B". With `decimals` every size above a KiB keeps that many decimals ("224.0 MiB"),
 * so a column of sizes lines up (the CLI's tables).
 */
export function formatBytes(bytes: number, decimals?: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${bytes} B`;
  return `${v.toFixed(decimals ?? (v < 10 ? 1 : 0))} ${UNITS[i]}`;
}
