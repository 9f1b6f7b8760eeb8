/**
 * The packed weight format shared by the CPU reference, the host (cpu/wasm) kernels, the WGSL kernels and the
 * IndexedDB cache.
 *
 * A weight W [out, in] is stored row by row. Each row is split along `in` into groups of `groupSize` columns,
 * each with one f32 scale (symmetric, no zero point). Codes are packed little-endian into u32 words: code `k` of a
 * word sits in bits [k·bits, (k+1)·bits), so in a byte view int4/nf4 column 2j is the low nibble of byte j.
 * A row is padded with zero codes up to `paddedIn` (a whole number of groups; f16, which has no scales, pads to
 * 32 columns) so that every row starts on a 16-byte boundary, a `vec4<u32>` never straddles a group and the
 * kernels need no tail handling on the weight side. Padded columns dequantize to exactly 0.
 */
import type { QuantMode } from '../spec/modules';

/** Modes that pack (everything but f32). */
export type PackedMode = Exclude<QuantMode, 'f32'>;
/** Group sizes the kernels are written for (a multiple of 32 so a 32-column tile sits inside one group). */
export type GroupSize = 32 | 64 | 128;

export const GROUP_SIZES: readonly GroupSize[] = [32, 64, 128];
export const PACKED_MODES: readonly PackedMode[] = ['f16', 'int8', 'int4', 'nf4'];
export const DEFAULT_GROUP_SIZE: GroupSize = 64;

/** Packed weight + scales, host side. */
export interface PackedWeight {
  readonly mode: PackedMode;
  readonly outFeatures: number;
  readonly inFeatures: number;
  /** Columns per scale (for f16: only recorded, f16 has no scales). */
  readonly groupSize: GroupSize;
  /** [out, rowWords] codes, see the file comment for the bit layout. */
  readonly words: Uint32Array;
  /** [out, groupsPerRow] f32 scales; empty for f16. */
  readonly scales: Float32Array;
}

/** Geometry derived from (mode, shape, groupSize); every consumer computes it through this one function. */
export interface PackedLayout {
  codesPerWord: number;
  bitsPerCode: number;
  /** `in` rounded up to the padding unit. */
  paddedIn: number;
  /** u32 words per row (a multiple of 4). */
  rowWords: number;
  /** Scales per row (0 for f16). */
  groupsPerRow: number;
}

/** Codes per u32 word for a packed mode. */
export function codesPerWord(mode: PackedMode): number {
  switch (mode) {
    case 'f16':
      return 2;
    case 'int8':
      return 4;
    case 'int4':
    case 'nf4':
      return 8;
  }
}

/** Layout of a [out, in] weight packed as `mode` with `groupSize`. */
export function packedLayout(mode: PackedMode, inFeatures: number, groupSize: GroupSize): PackedLayout {
  assertGroupSize(groupSize);
  if (!Number.isInteger(inFeatures) || inFeatures <= 0) throw new Error(`quant: bad input dimension ${inFeatures}`);
  const cpw = codesPerWord(mode);
  const unit = mode === 'f16' ? 32 : groupSize;
  const paddedIn = Math.ceil(inFeatures / unit) * unit;
  return {
    codesPerWord: cpw,
    bitsPerCode: 32 / cpw,
    paddedIn,
    rowWords: paddedIn / cpw,
    groupsPerRow: mode === 'f16' ? 0 : paddedIn / groupSize,
  };
}

/** Throws unless `g` is one of the supported group sizes. */
export function assertGroupSize(g: number): asserts g is GroupSize {
  if (g !== 32 && g !== 64 && g !== 128) throw new Error(`quant: group size must be 32, 64 or 128, got ${g}`);
}

/**
 * Bytes a [out, in] weight occupies on the device in `mode` (words + scales; bias not included). For f32 this
 * is the plain float size.
 */
export function packedByteSize(
  shape: readonly [number, number],
  mode: QuantMode,
  groupSize: GroupSize = DEFAULT_GROUP_SIZE,
): number {
  const [out, inp] = shape;
  if (mode === 'f32') return out * inp * 4;
  const l = packedLayout(mode, inp, groupSize);
  return out * (l.rowWords + l.groupsPerRow) * 4;
}

/** Checks that the arrays of `p` have the sizes its layout implies. */
export function assertPackedConsistent(p: PackedWeight): void {
  const l = packedLayout(p.mode, p.inFeatures, p.groupSize);
  if (!Number.isInteger(p.outFeatures) || p.outFeatures <= 0)
    throw new Error(`quant: bad output dimension ${p.outFeatures}`);
  if (p.words.length !== p.outFeatures * l.rowWords) {
    throw new Error(
      `quant: ${p.mode} [${p.outFeatures}, ${p.inFeatures}] needs ${p.outFeatures * l.rowWords} words, got ${p.words.length}`,
    );
  }
  if (p.scales.length !== p.outFeatures * l.groupsPerRow) {
    throw new Error(
      `quant: ${p.mode} [${p.outFeatures}, ${p.inFeatures}] needs ${p.outFeatures * l.groupsPerRow} scales, got ${p.scales.length}`,
    );
  }
}
