/**
 * The decode-time (M = 1) product y = x·Wᵀ straight from a packed weight on the host (cpu/wasm kernels): every row
 * decoded inside its dot product, as `dotRow` does, but over the whole weight with one set of array views and the
 * codes unpacked from 32-bit words by shifts instead of byte-table loads. `dotRow` built two typed-array views per
 * row (two allocations × out rows per call) and loaded two table entries per byte; this is what a wasm decode step
 * spends most of its time in (bench/profile/decode-step.node.ts: int4 GEMVs of the small bench model 8.6 ms of a
 * 15 ms step before this). int4 rows go four at a time, sharing each loaded x value.
 *
 * Within a group the codes are multiplied by x first and the group's scale applied once, as the GEMV shader does;
 * the sum runs in a different order than `dotRow` (per word, not per byte pair), so results agree to f32 rounding.
 */
import { f16Table65536 } from '../../f16';
import { NF4_LEVELS } from '../../levels';
import { packedLayout } from '../../packed';
import type { PackedView } from './dequant-rows';

const NF4 = Float32Array.from(NF4_LEVELS);

/** y[yOffset + o] = Σ_c W[o, c] · x[xOffset + c] for every row o of `v`. */
export function packedGemv(v: PackedView, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): void {
  if (v.mode === 'f16') return gemvF16(v, x, xOffset, y, yOffset);
  const l = packedLayout(v.mode, v.inFeatures, v.groupSize);
  const words = new Int32Array(v.words.buffer, v.words.byteOffset, v.words.length);
  const wordsPerGroup = v.groupSize / l.codesPerWord;
  const dot = v.mode === 'int8' ? dotInt8 : v.mode === 'int4' ? dotInt4 : dotNf4;
  const quads = v.mode === 'int4' ? quadsInt4 : v.mode === 'nf4' ? quadsNf4 : null;
  const first = quads ? quads(v, words, l.rowWords, l.groupsPerRow, x, xOffset, y, yOffset) : 0;
  for (let o = first; o < v.outFeatures; o++) {
    let total = 0;
    for (let gi = 0; gi < l.groupsPerRow; gi++) {
      const c0 = gi * v.groupSize;
      const count = Math.min(v.groupSize, v.inFeatures - c0); // the last group may run past the real columns
      const w0 = o * l.rowWords + gi * wordsPerGroup;
      total += dot(words, w0, count, x, xOffset + c0) * v.scales[o * l.groupsPerRow + gi];
    }
    y[yOffset + o] = total;
  }
}

/**
 * int4 rows four at a time, each loaded x value used for all four (0.87 → 0.61 ns/weight on the bench shapes,
 * Node). Writes rows [0, 4⌊out/4⌋) and returns the first row left for the one-row path.
 */
function quadsInt4(
  v: PackedView,
  words: Int32Array,
  rowWords: number,
  groups: number,
  x: Float32Array,
  xOffset: number,
  y: Float32Array,
  yOffset: number,
): number {
  const g = v.groupSize;
  const wpg = g / 8;
  const sc = v.scales;
  const end = v.outFeatures - (v.outFeatures % 4);
  for (let o = 0; o < end; o += 4) {
    let t0 = 0,
      t1 = 0,
      t2 = 0,
      t3 = 0;
    for (let gi = 0; gi < groups; gi++) {
      const c0 = gi * g;
      const count = Math.min(g, v.inFeatures - c0);
      const w0 = o * rowWords + gi * wpg;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      if (count === g) {
        for (let k = 0, i = xOffset + c0; k < wpg; k++, i += 8) {
          const a = words[w0 + k],
            b = words[w0 + rowWords + k],
            c = words[w0 + 2 * rowWords + k],
            d = words[w0 + 3 * rowWords + k];
          const x0 = x[i],
            x1 = x[i + 1],
            x2 = x[i + 2],
            x3 = x[i + 3],
            x4 = x[i + 4],
            x5 = x[i + 5],
            x6 = x[i + 6],
            x7 = x[i + 7];
          s0 +=
            ((a << 28) >> 28) * x0 +
            ((a << 24) >> 28) * x1 +
            ((a << 20) >> 28) * x2 +
            ((a << 16) >> 28) * x3 +
            ((a << 12) >> 28) * x4 +
            ((a << 8) >> 28) * x5 +
            ((a << 4) >> 28) * x6 +
            (a >> 28) * x7;
          s1 +=
            ((b << 28) >> 28) * x0 +
            ((b << 24) >> 28) * x1 +
            ((b << 20) >> 28) * x2 +
            ((b << 16) >> 28) * x3 +
            ((b << 12) >> 28) * x4 +
            ((b << 8) >> 28) * x5 +
            ((b << 4) >> 28) * x6 +
            (b >> 28) * x7;
          s2 +=
            ((c << 28) >> 28) * x0 +
            ((c << 24) >> 28) * x1 +
            ((c << 20) >> 28) * x2 +
            ((c << 16) >> 28) * x3 +
            ((c << 12) >> 28) * x4 +
            ((c << 8) >> 28) * x5 +
            ((c << 4) >> 28) * x6 +
            (c >> 28) * x7;
          s3 +=
            ((d << 28) >> 28) * x0 +
            ((d << 24) >> 28) * x1 +
            ((d << 20) >> 28) * x2 +
            ((d << 16) >> 28) * x3 +
            ((d << 12) >> 28) * x4 +
            ((d << 8) >> 28) * x5 +
            ((d << 4) >> 28) * x6 +
            (d >> 28) * x7;
        }
      } else {
        // Ragged last group (inFeatures not a multiple of the group size): one row at a time.
        s0 = dotInt4(words, w0, count, x, xOffset + c0);
        s1 = dotInt4(words, w0 + rowWords, count, x, xOffset + c0);
        s2 = dotInt4(words, w0 + 2 * rowWords, count, x, xOffset + c0);
        s3 = dotInt4(words, w0 + 3 * rowWords, count, x, xOffset + c0);
      }
      t0 += s0 * sc[o * groups + gi];
      t1 += s1 * sc[(o + 1) * groups + gi];
      t2 += s2 * sc[(o + 2) * groups + gi];
      t3 += s3 * sc[(o + 3) * groups + gi];
    }
    y[yOffset + o] = t0;
    y[yOffset + o + 1] = t1;
    y[yOffset + o + 2] = t2;
    y[yOffset + o + 3] = t3;
  }
  return end;
}

/** `quadsInt4` for NF4 codes (16-entry level table instead of the sign extension): 1.0 → 0.62 ns/weight. */
function quadsNf4(
  v: PackedView,
  words: Int32Array,
  rowWords: number,
  groups: number,
  x: Float32Array,
  xOffset: number,
  y: Float32Array,
  yOffset: number,
): number {
  const g = v.groupSize;
  const wpg = g / 8;
  const sc = v.scales;
  const L = NF4;
  const end = v.outFeatures - (v.outFeatures % 4);
  for (let o = 0; o < end; o += 4) {
    let t0 = 0,
      t1 = 0,
      t2 = 0,
      t3 = 0;
    for (let gi = 0; gi < groups; gi++) {
      const c0 = gi * g;
      const count = Math.min(g, v.inFeatures - c0);
      const w0 = o * rowWords + gi * wpg;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      if (count === g) {
        for (let k = 0, i = xOffset + c0; k < wpg; k++, i += 8) {
          const a = words[w0 + k],
            b = words[w0 + rowWords + k],
            c = words[w0 + 2 * rowWords + k],
            d = words[w0 + 3 * rowWords + k];
          const x0 = x[i],
            x1 = x[i + 1],
            x2 = x[i + 2],
            x3 = x[i + 3],
            x4 = x[i + 4],
            x5 = x[i + 5],
            x6 = x[i + 6],
            x7 = x[i + 7];
          s0 +=
            L[a & 15] * x0 +
            L[(a >>> 4) & 15] * x1 +
            L[(a >>> 8) & 15] * x2 +
            L[(a >>> 12) & 15] * x3 +
            L[(a >>> 16) & 15] * x4 +
            L[(a >>> 20) & 15] * x5 +
            L[(a >>> 24) & 15] * x6 +
            L[a >>> 28] * x7;
          s1 +=
            L[b & 15] * x0 +
            L[(b >>> 4) & 15] * x1 +
            L[(b >>> 8) & 15] * x2 +
            L[(b >>> 12) & 15] * x3 +
            L[(b >>> 16) & 15] * x4 +
            L[(b >>> 20) & 15] * x5 +
            L[(b >>> 24) & 15] * x6 +
            L[b >>> 28] * x7;
          s2 +=
            L[c & 15] * x0 +
            L[(c >>> 4) & 15] * x1 +
            L[(c >>> 8) & 15] * x2 +
            L[(c >>> 12) & 15] * x3 +
            L[(c >>> 16) & 15] * x4 +
            L[(c >>> 20) & 15] * x5 +
            L[(c >>> 24) & 15] * x6 +
            L[c >>> 28] * x7;
          s3 +=
            L[d & 15] * x0 +
            L[(d >>> 4) & 15] * x1 +
            L[(d >>> 8) & 15] * x2 +
            L[(d >>> 12) & 15] * x3 +
            L[(d >>> 16) & 15] * x4 +
            L[(d >>> 20) & 15] * x5 +
            L[(d >>> 24) & 15] * x6 +
            L[d >>> 28] * x7;
        }
      } else {
        s0 = dotNf4(words, w0, count, x, xOffset + c0);
        s1 = dotNf4(words, w0 + rowWords, count, x, xOffset + c0);
        s2 = dotNf4(words, w0 + 2 * rowWords, count, x, xOffset + c0);
        s3 = dotNf4(words, w0 + 3 * rowWords, count, x, xOffset + c0);
      }
      t0 += s0 * sc[o * groups + gi];
      t1 += s1 * sc[(o + 1) * groups + gi];
      t2 += s2 * sc[(o + 2) * groups + gi];
      t3 += s3 * sc[(o + 3) * groups + gi];
    }
    y[yOffset + o] = t0;
    y[yOffset + o + 1] = t1;
    y[yOffset + o + 2] = t2;
    y[yOffset + o + 3] = t3;
  }
  return end;
}

/** Σ code·x over `count` int4 codes from word `w0` (8 per word, low nibble first, two's complement). */
function dotInt4(words: Int32Array, w0: number, count: number, x: Float32Array, xi: number): number {
  let sum = 0;
  let w = w0;
  let c = 0;
  for (; c + 8 <= count; c += 8, w++) {
    const b = words[w];
    const i = xi + c;
    sum +=
      ((b << 28) >> 28) * x[i] +
      ((b << 24) >> 28) * x[i + 1] +
      ((b << 20) >> 28) * x[i + 2] +
      ((b << 16) >> 28) * x[i + 3] +
      ((b << 12) >> 28) * x[i + 4] +
      ((b << 8) >> 28) * x[i + 5] +
      ((b << 4) >> 28) * x[i + 6] +
      (b >> 28) * x[i + 7];
  }
  for (let j = 0; c < count; c++, j++) sum += ((words[w] << (28 - 4 * j)) >> 28) * x[xi + c];
  return sum;
}

/** Σ level·x over `count` NF4 codes from word `w0` (8 per word, low nibble first). */
function dotNf4(words: Int32Array, w0: number, count: number, x: Float32Array, xi: number): number {
  let sum = 0;
  let w = w0;
  let c = 0;
  for (; c + 8 <= count; c += 8, w++) {
    const b = words[w];
    const i = xi + c;
    sum +=
      NF4[b & 15] * x[i] +
      NF4[(b >>> 4) & 15] * x[i + 1] +
      NF4[(b >>> 8) & 15] * x[i + 2] +
      NF4[(b >>> 12) & 15] * x[i + 3] +
      NF4[(b >>> 16) & 15] * x[i + 4] +
      NF4[(b >>> 20) & 15] * x[i + 5] +
      NF4[(b >>> 24) & 15] * x[i + 6] +
      NF4[b >>> 28] * x[i + 7];
  }
  for (let j = 0; c < count; c++, j++) sum += NF4[(words[w] >>> (4 * j)) & 15] * x[xi + c];
  return sum;
}

/** Σ code·x over `count` int8 codes from word `w0` (4 per word, low byte first, two's complement). */
function dotInt8(words: Int32Array, w0: number, count: number, x: Float32Array, xi: number): number {
  let sum = 0;
  let w = w0;
  let c = 0;
  for (; c + 4 <= count; c += 4, w++) {
    const b = words[w];
    const i = xi + c;
    sum += ((b << 24) >> 24) * x[i] + ((b << 16) >> 24) * x[i + 1] + ((b << 8) >> 24) * x[i + 2] + (b >> 24) * x[i + 3];
  }
  for (let j = 0; c < count; c++, j++) sum += ((words[w] << (24 - 8 * j)) >> 24) * x[xi + c];
  return sum;
}

/** f16 rows (no scales): one 65536-entry table lookup per weight. */
function gemvF16(v: PackedView, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): void {
  const l = packedLayout(v.mode, v.inFeatures, v.groupSize);
  const table = f16Table65536();
  const halves = new Uint16Array(v.words.buffer, v.words.byteOffset, v.words.length * 2);
  const inp = v.inFeatures;
  for (let o = 0; o < v.outFeatures; o++) {
    const h0 = o * l.paddedIn;
    let sum = 0;
    for (let c = 0; c < inp; c++) sum += table[halves[h0 + c]] * x[xOffset + c];
    y[yOffset + o] = sum;
  }
}
