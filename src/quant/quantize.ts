/**
 * Packing at load time (plain TS, CPU): symmetric per-group absmax quantization along the input dimension.
 * See `packed.ts` for the layout. Runs once per weight while the checkpoint streams in.
 */
import { f32ToF16Bits } from './f16';
import { INT4_QMAX, INT8_QMAX, NF4_ZERO_CODE, nearestNf4Code } from './levels';
import { DEFAULT_GROUP_SIZE, packedLayout, type GroupSize, type PackedMode, type PackedWeight } from './packed';

type Shape = readonly [out: number, inp: number];

/** Packs `weight` [out, in] row-major as `mode`. */
export function quantize(
  weight: Float32Array,
  shape: Shape,
  mode: PackedMode,
  groupSize: GroupSize = DEFAULT_GROUP_SIZE,
): PackedWeight {
  switch (mode) {
    case 'int8':
      return quantizeInt8(weight, shape, groupSize);
    case 'int4':
      return quantizeInt4(weight, shape, groupSize);
    case 'nf4':
      return quantizeNf4(weight, shape, groupSize);
    case 'f16':
      return quantizeF16(weight, shape, groupSize);
  }
}

/** Packs [out, in] weights as one of the scaled modes. */
function groupedQuantizer(mode: 'int8' | 'int4' | 'nf4') {
  return (weight: Float32Array, shape: Shape, groupSize: GroupSize = DEFAULT_GROUP_SIZE): PackedWeight =>
    quantizeGrouped(weight, shape, mode, groupSize);
}

/** int8: codes in [-127, 127], scale = absmax / 127. */
export const quantizeInt8 = groupedQuantizer('int8');

/** int4: codes in [-7, 7] (-8 unused, keeping zero exact and the range symmetric), scale = absmax / 7. */
export const quantizeInt4 = groupedQuantizer('int4');

/** NF4: scale = absmax of the group, code = index of the nearest NormalFloat level of w / absmax. */
export const quantizeNf4 = groupedQuantizer('nf4');

/** f16: half floats 2 per word (round to nearest even, saturating at ±65504; NaN/±Inf rejected); no scales. */
export function quantizeF16(
  weight: Float32Array,
  shape: Shape,
  groupSize: GroupSize = DEFAULT_GROUP_SIZE,
): PackedWeight {
  const [out, inp] = checkShape(weight, shape);
  const l = packedLayout('f16', inp, groupSize);
  const words = new Uint32Array(out * l.rowWords);
  const halves = new Uint16Array(words.buffer);
  for (let r = 0; r < out; r++) {
    const src = r * inp;
    const dst = r * l.paddedIn;
    for (let c = 0; c < inp; c++) {
      const v = weight[src + c];
      if (!Number.isFinite(v)) throw new Error(`quantize: non-finite weight at row ${r}, column ${c}`);
      halves[dst + c] = f32ToF16Bits(v);
    }
  }
  return { mode: 'f16', outFeatures: out, inFeatures: inp, groupSize, words, scales: new Float32Array(0) };
}

/**
 * Shared body of the scaled modes: per group the absmax, the scale (absmax / qmax for int8 and int4, absmax for nf4)
 * and the codes, written as unsigned bit fields (two's complement for the signed int modes), 4-bit codes two to a
 * byte. The code loops are written out per mode: through shared callbacks this ran at ~17 ns a weight, which put
 * ~0.5 s of packing the tied head (SmolLM2-135M) into the first generation and most of a model load.
 */
function quantizeGrouped(
  weight: Float32Array,
  shape: Shape,
  mode: 'int8' | 'int4' | 'nf4',
  groupSize: GroupSize,
): PackedWeight {
  const [out, inp] = checkShape(weight, shape);
  const l = packedLayout(mode, inp, groupSize);
  const words = new Uint32Array(out * l.rowWords);
  const scales = new Float32Array(out * l.groupsPerRow);
  const bytes = new Uint8Array(words.buffer);
  const rowBytes = l.rowWords * 4;
  const qmax = mode === 'int8' ? INT8_QMAX : INT4_QMAX;
  for (let r = 0; r < out; r++) {
    const row = r * inp;
    for (let g = 0; g < l.groupsPerRow; g++) {
      const c0 = g * groupSize;
      const c1 = Math.min(c0 + groupSize, inp);
      let absmax = 0;
      for (let c = c0; c < c1; c++) absmax = Math.max(absmax, Math.abs(weight[row + c]));
      if (!Number.isFinite(absmax))
        throw new Error(`quantize: non-finite weight in row ${r}, columns ${c0}..${c1 - 1}`);
      const scale = Math.fround(mode === 'nf4' ? absmax : absmax / qmax);
      scales[r * l.groupsPerRow + g] = scale;
      const inv = scale > 0 ? 1 / scale : 0;
      // Columns past `in` (the last group's padding) take the code of zero: 0, or NF4's zero level
      if (mode === 'int8') {
        for (let c = c0, at = r * rowBytes + c0; c < c0 + groupSize; c++, at++)
          bytes[at] = c < c1 ? clampRound(weight[row + c] * inv, qmax) & 0xff : 0;
      } else if (mode === 'int4') {
        // Groups start at even columns: column c in the low nibble, c + 1 in the high one
        for (let c = c0, at = r * rowBytes + (c0 >> 1); c < c0 + groupSize; c += 2, at++) {
          const lo = c < c1 ? clampRound(weight[row + c] * inv, qmax) : 0;
          const hi = c + 1 < c1 ? clampRound(weight[row + c + 1] * inv, qmax) : 0;
          bytes[at] = (lo & 0xf) | ((hi & 0xf) << 4);
        }
      } else {
        for (let c = c0, at = r * rowBytes + (c0 >> 1); c < c0 + groupSize; c += 2, at++) {
          const lo = c < c1 ? nearestNf4Code(weight[row + c] * inv) : NF4_ZERO_CODE;
          const hi = c + 1 < c1 ? nearestNf4Code(weight[row + c + 1] * inv) : NF4_ZERO_CODE;
          bytes[at] = lo | (hi << 4);
        }
      }
    }
  }
  return { mode, outFeatures: out, inFeatures: inp, groupSize, words, scales };
}

function clampRound(v: number, qmax: number): number {
  const q = Math.round(v);
  return q > qmax ? qmax : q < -qmax ? -qmax : q;
}

function checkShape(weight: Float32Array, shape: Shape): [number, number] {
  const [out, inp] = shape;
  if (!Number.isInteger(out) || !Number.isInteger(inp) || out <= 0 || inp <= 0) {
    throw new Error(`quantize: bad shape [${shape.join(', ')}]`);
  }
  if (weight.length !== out * inp) {
    throw new Error(`quantize: weight has ${weight.length} values, shape [${out}, ${inp}] needs ${out * inp}`);
  }
  return [out, inp];
}
