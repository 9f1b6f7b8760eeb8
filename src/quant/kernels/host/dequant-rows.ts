/**
 * Fast CPU decode of a packed weight for the cpu/wasm kernels: a row range to floats (`dequantizeRowsInto`),
 * or one row straight into a dot product (`dotRow`). Table-driven: int4/nf4
 * decode a whole byte (two codes) with two lookups, f16 one lookup in a 65536-entry table, int8 reads an
 * Int8Array view. Produces exactly the values of the reference `dequantize` (same float32 rounding).
 */
import { f16Table65536 } from '../../f16';
import { NF4_LEVELS } from '../../levels';
import { packedLayout, type GroupSize, type PackedMode } from '../../packed';

/** A packed weight whose arrays may live anywhere (wasm heap, cpu backend storage, host memory). */
export interface PackedView {
  mode: PackedMode;
  groupSize: GroupSize;
  inFeatures: number;
  outFeatures: number;
  words: Uint32Array | Int32Array; // [out, rowWords]
  scales: Float32Array; // [out, groupsPerRow]
}

function nibbleTables(levels: (code: number) => number): [Float32Array, Float32Array] {
  const lo = new Float32Array(256);
  const hi = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    lo[b] = levels(b & 15);
    hi[b] = levels(b >> 4);
  }
  return [lo, hi];
}

const INT4_TABLES = nibbleTables((c) => (c >= 8 ? c - 16 : c));
const NF4_TABLES = nibbleTables((c) => NF4_LEVELS[c]);

/**
 * Σ_c W[r, c] · x[xOffset + c] without materializing the row: the decode-time (M = 1) product. Codes are
 * multiplied by x first and the group scale applied once per group, as the GEMV shader does.
 */
export function dotRow(v: PackedView, r: number, x: Float32Array, xOffset: number): number {
  const l = packedLayout(v.mode, v.inFeatures, v.groupSize);
  const rowByte = v.words.byteOffset + r * l.rowWords * 4;
  const inp = v.inFeatures;
  if (v.mode === 'f16') {
    const table = f16Table65536();
    const halves = new Uint16Array(v.words.buffer, rowByte, inp);
    let sum = 0;
    for (let c = 0; c < inp; c++) sum += table[halves[c]] * x[xOffset + c];
    return sum;
  }
  const g = v.groupSize;
  const [lo, hi] = v.mode === 'int4' ? INT4_TABLES : NF4_TABLES;
  const codes = new Int8Array(v.words.buffer, rowByte, l.rowWords * 4);
  const bytes = new Uint8Array(v.words.buffer, rowByte, l.rowWords * 4);
  let total = 0;
  for (let gi = 0; gi < l.groupsPerRow; gi++) {
    const c0 = gi * g;
    const c1 = Math.min(c0 + g, inp);
    let sum = 0;
    if (v.mode === 'int8') {
      for (let c = c0; c < c1; c++) sum += codes[c] * x[xOffset + c];
    } else {
      let c = c0;
      for (; c + 1 < c1; c += 2) {
        const b = bytes[c >> 1];
        sum += lo[b] * x[xOffset + c] + hi[b] * x[xOffset + c + 1];
      }
      if (c < c1) sum += lo[bytes[c >> 1]] * x[xOffset + c];
    }
    total += sum * v.scales[r * l.groupsPerRow + gi];
  }
  return total;
}

/** Writes rows [r0, r1) of W as float32 into `dst` starting at `dstOffset`, row-major [r1 - r0, in]. */
export function dequantizeRowsInto(v: PackedView, r0: number, r1: number, dst: Float32Array, dstOffset = 0): void {
  const l = packedLayout(v.mode, v.inFeatures, v.groupSize);
  const rowBytes = l.rowWords * 4;
  const inp = v.inFeatures;
  const buf = v.words.buffer;
  const byteOffset = v.words.byteOffset;
  if (v.mode === 'f16') {
    const table = f16Table65536();
    const halves = new Uint16Array(buf, byteOffset, v.words.length * 2);
    for (let r = r0; r < r1; r++) {
      const src = r * l.paddedIn;
      const d = dstOffset + (r - r0) * inp;
      for (let c = 0; c < inp; c++) dst[d + c] = table[halves[src + c]];
    }
    return;
  }
  const g = v.groupSize;
  const [lo, hi] = v.mode === 'int4' ? INT4_TABLES : NF4_TABLES;
  for (let r = r0; r < r1; r++) {
    const d = dstOffset + (r - r0) * inp;
    const codes = new Int8Array(buf, byteOffset + r * rowBytes, rowBytes);
    const bytes = new Uint8Array(buf, byteOffset + r * rowBytes, rowBytes);
    for (let gi = 0; gi < l.groupsPerRow; gi++) {
      const s = v.scales[r * l.groupsPerRow + gi];
      const c0 = gi * g;
      const c1 = Math.min(c0 + g, inp);
      if (v.mode === 'int8') {
        for (let c = c0; c < c1; c++) dst[d + c] = codes[c] * s;
      } else {
        // c0 is even (groups are multiples of 32), so pairs never straddle a group.
        for (let c = c0; c < c1; c += 2) {
          const b = bytes[c >> 1];
          dst[d + c] = lo[b] * s;
          if (c + 1 < c1) dst[d + c + 1] = hi[b] * s;
        }
      }
    }
  }
}
