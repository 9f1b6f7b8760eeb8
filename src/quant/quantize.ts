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

/** int8: codes in [-127, 127], scale = absmax / 127. */
export const quantizeInt8 = symmetricQuantizer('int8', INT8_QMAX);

/** int4: codes in [-7, 7] (-8 unused, keeping zero exact and the range symmetric), scale = absmax / 7. */
export const quantizeInt4 = symmetricQuantizer('int4', INT4_QMAX);

/** Symmetric integer codes in [-qmax, qmax] with scale = absmax / qmax (int8 and int4 differ only in qmax). */
function symmetricQuantizer(mode: 'int8' | 'int4', qmax: number) {
  return (weight: Float32Array, shape: Shape, groupSize: GroupSize = DEFAULT_GROUP_SIZE): PackedWeight =>
    quantizeGrouped(
      weight,
      shape,
      mode,
      groupSize,
      (absmax) => absmax / qmax,
      (v, inv) => clampRound(v * inv, qmax),
    );
}

/** NF4: scale = absmax of the group, code = index of the nearest NormalFloat level of w / absmax. */
export function quantizeNf4(
  weight: Float32Array,
  shape: Shape,
  groupSize: GroupSize = DEFAULT_GROUP_SIZE,
): PackedWeight {
  return quantizeGrouped(
    weight,
    shape,
    'nf4',
    groupSize,
    (absmax) => absmax,
    (v, inv) => nearestNf4Code(v * inv),
  );
}

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
 * Shared body of the scaled modes. `scaleOf(absmax)` gives the group scale, `codeOf(v, 1/scale)` the code of
 * one value; codes are written as unsigned bit fields (two's complement for the signed int modes).
 */
function quantizeGrouped(
  weight: Float32Array,
  shape: Shape,
  mode: 'int8' | 'int4' | 'nf4',
  groupSize: GroupSize,
  scaleOf: (absmax: number) => number,
  codeOf: (v: number, invScale: number) => number,
): PackedWeight {
  const [out, inp] = checkShape(weight, shape);
  const l = packedLayout(mode, inp, groupSize);
  const words = new Uint32Array(out * l.rowWords);
  const scales = new Float32Array(out * l.groupsPerRow);
  const bytes = new Uint8Array(words.buffer);
  const zeroCode = mode === 'nf4' ? NF4_ZERO_CODE : 0;
  const rowBytes = l.rowWords * 4;
  for (let r = 0; r < out; r++) {
    for (let g = 0; g < l.groupsPerRow; g++) {
      const c0 = g * groupSize;
      const c1 = Math.min(c0 + groupSize, inp);
      let absmax = 0;
      for (let c = c0; c < c1; c++) absmax = Math.max(absmax, Math.abs(weight[r * inp + c]));
      if (!Number.isFinite(absmax))
        throw new Error(`quantize: non-finite weight in row ${r}, columns ${c0}..${c1 - 1}`);
      const scale = Math.fround(scaleOf(absmax));
      scales[r * l.groupsPerRow + g] = scale;
      const inv = scale > 0 ? 1 / scale : 0;
      for (let c = c0; c < c0 + groupSize; c++) {
        const code = c < c1 ? codeOf(weight[r * inp + c], inv) : zeroCode;
        writeCode(bytes, r * rowBytes, c, code, mode === 'int8');
      }
    }
  }
  return { mode, outFeatures: out, inFeatures: inp, groupSize, words, scales };
}

function writeCode(bytes: Uint8Array, rowByte: number, col: number, code: number, eightBit: boolean): void {
  if (eightBit) {
    bytes[rowByte + col] = code & 0xff;
  } else {
    const i = rowByte + (col >> 1);
    bytes[i] = col & 1 ? (bytes[i] & 0x0f) | ((code & 0xf) << 4) : (bytes[i] & 0xf0) | (code & 0xf);
  }
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
