/**
 * The plain-JS reference decoder: every kernel (host and WGSL) is tested against it. Written for clarity, one
 * element at a time straight from the bit layout in `packed.ts`; the fast host path is `host/dequant-rows.ts`.
 */
import { f16BitsToF32 } from './f16';
import { NF4_LEVELS } from './levels';
import { assertPackedConsistent, packedLayout, type PackedWeight } from './packed';

/** W [out, in] row-major float32 from its packed form (padding dropped). */
export function dequantize(p: PackedWeight): Float32Array {
  assertPackedConsistent(p);
  const l = packedLayout(p.mode, p.inFeatures, p.groupSize);
  const w = new Float32Array(p.outFeatures * p.inFeatures);
  const mask = 2 ** l.bitsPerCode - 1;
  for (let r = 0; r < p.outFeatures; r++) {
    for (let c = 0; c < p.inFeatures; c++) {
      const word = p.words[r * l.rowWords + Math.floor(c / l.codesPerWord)];
      const field = (word >>> ((c % l.codesPerWord) * l.bitsPerCode)) & mask;
      w[r * p.inFeatures + c] = decodeField(
        p,
        field,
        l.groupsPerRow ? p.scales[r * l.groupsPerRow + Math.floor(c / p.groupSize)] : 1,
      );
    }
  }
  return w;
}

function decodeField(p: PackedWeight, field: number, scale: number): number {
  switch (p.mode) {
    case 'f16':
      return f16BitsToF32(field);
    case 'int8':
      return Math.fround((field >= 128 ? field - 256 : field) * scale);
    case 'int4':
      return Math.fround((field >= 8 ? field - 16 : field) * scale);
    case 'nf4':
      return Math.fround(Math.fround(NF4_LEVELS[field]) * scale);
  }
}

/** Convenience names mirroring `quantize*`: each checks the mode then decodes. */
export function dequantizeInt8(p: PackedWeight): Float32Array {
  return dequantizeAs(p, 'int8');
}
export function dequantizeInt4(p: PackedWeight): Float32Array {
  return dequantizeAs(p, 'int4');
}
export function dequantizeNf4(p: PackedWeight): Float32Array {
  return dequantizeAs(p, 'nf4');
}
export function dequantizeF16(p: PackedWeight): Float32Array {
  return dequantizeAs(p, 'f16');
}

function dequantizeAs(p: PackedWeight, mode: PackedWeight['mode']): Float32Array {
  if (p.mode !== mode) throw new Error(`dequantize: expected a ${mode} weight, got ${p.mode}`);
  return dequantize(p);
}
