/**
 * Element types of the safetensors format and conversions between the float ones and f32. Conversions run on
 * the CPU while a checkpoint streams in, so they are table- and bit-based rather than per-element Math calls.
 */

/** Every dtype the safetensors spec defines; headers naming anything else are rejected. */
export const SAFETENSORS_DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** The float dtypes the engine reads into f32 (and the writer produces). */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_BYTES, s);
}

let halfTable: Float32Array | null = null;

/** All 65536 half-precision values as f32, built once (256 KiB) so decoding is one lookup per element. */
export function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Copies `bytes` into a fresh, aligned buffer when its offset does not suit a typed-array view. */
function aligned(bytes: Uint8Array, align: number): Uint8Array {
  if (bytes.byteOffset % align === 0) return bytes;
  return bytes.slice();
}

/** Decodes little-endian F32/F16/BF16 bytes into a new Float32Array (never a view into `bytes`). */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype): Float32Array {
  if (dtype === 'F32') {
    const src = aligned(bytes, 4);
    return new Float32Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength));
  }
  const src = aligned(bytes, 2);
  const halves = new Uint16Array(src.buffer, src.byteOffset, src.byteLength / 2);
  const out = new Float32Array(halves.length);
  if (dtype === 'F16') {
    const table = halfToFloatTable();
    for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
  } else {
    // bf16 is the top half of an f32: shift it back into place.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f32 → IEEE half bits, round to nearest even, overflow to ±Inf, NaN preserved. */
export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit 1) and round to nearest even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // may carry into the exponent, which is correct
  return sign | h;
}

/** f32 → bfloat16 bits, round to nearest even (as torch does), NaN kept quiet. */
export function floatToBf16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** Encodes f32 values as little-endian bytes of `dtype`. */
export function encodeFloats(data: ArrayLike<number>, dtype: FloatDtype): Uint8Array {
  if (dtype === 'F32') {
    const out = Float32Array.from(data);
    return new Uint8Array(out.buffer);
  }
  const out = new Uint16Array(data.length);
  const conv = dtype === 'F16' ? floatToHalfBits : floatToBf16Bits;
  for (let i = 0; i < data.length; i++) out[i] = conv(data[i]);
  return new Uint8Array(out.buffer);
}
