/**
 * ggml tensor element types we write, and their reference encoders (llama.cpp `ggml-quants.c`,
 * `quantize_row_q8_0_ref` / `quantize_row_q4_0_ref`), computed in f32 like the C code so our blocks are the ones
 * llama.cpp's own converter would produce from the same values.
 * - Q8_0: blocks of 32 values → f16 scale d = absmax/127, then 32 int8 round(x/d) (34 bytes).
 * - Q4_0: blocks of 32 values → f16 d = (signed value of largest magnitude)/−8, then 16 bytes: element j in the low
 *   nibble and element j+16 in the high nibble of byte j, q = min(15, trunc(x/d + 8.5)) (18 bytes).
 */
import { floatToBf16Bits, floatToHalfBits, halfToFloatTable } from './safetensors-dtype';

/** ggml_type ids (ggml.h). */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, BF16: 30 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

/** Elements per block and bytes per block of each type. */
const LAYOUT: Record<GgmlTypeName, { block: number; bytes: number }> = {
  F32: { block: 1, bytes: 4 },
  F16: { block: 1, bytes: 2 },
  BF16: { block: 1, bytes: 2 },
  Q8_0: { block: 32, bytes: 34 },
  Q4_0: { block: 32, bytes: 18 },
};

/** Elements per block (32 for the quantized types). A row's length must be a multiple of it. */
export function ggmlBlockSize(type: GgmlTypeName): number {
  return LAYOUT[type].block;
}

/** Bytes of `elements` values of `type` (elements must fill whole blocks). */
export function ggmlByteSize(type: GgmlTypeName, elements: number): number {
  const { block, bytes } = LAYOUT[type];
  if (elements % block !== 0) throw new Error(`${type}: ${elements} values do not fill whole blocks of ${block}`);
  return (elements / block) * bytes;
}

const fround = Math.fround;

function encodeQ8_0(x: Float32Array, out: DataView): void {
  for (let b = 0; b < x.length / 32; b++) {
    const at = b * 34;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
    const d = fround(amax / 127);
    const id = d ? fround(1 / d) : 0;
    out.setUint16(at, floatToHalfBits(d), true);
    for (let j = 0; j < 32; j++) {
      const v = fround(x[b * 32 + j] * id);
      // C roundf: halves away from zero (Math.round rounds them up).
      out.setInt8(at + 2 + j, Math.sign(v) * Math.round(Math.abs(v)));
    }
  }
}

function encodeQ4_0(x: Float32Array, out: DataView): void {
  for (let b = 0; b < x.length / 32; b++) {
    const at = b * 18;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[b * 32 + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fround(max / -8);
    const id = d ? fround(1 / d) : 0;
    out.setUint16(at, floatToHalfBits(d), true);
    for (let j = 0; j < 16; j++) {
      const lo = Math.min(15, Math.trunc(fround(fround(x[b * 32 + j] * id) + 8.5)));
      const hi = Math.min(15, Math.trunc(fround(fround(x[b * 32 + 16 + j] * id) + 8.5)));
      out.setUint8(at + 2 + j, lo | (hi << 4));
    }
  }
}

/** Encodes f32 values (row-major, rows a multiple of the block size long) as `type`. */
export function encodeGgml(values: Float32Array, type: GgmlTypeName): Uint8Array {
  const out = new Uint8Array(ggmlByteSize(type, values.length));
  const view = new DataView(out.buffer);
  if (type === 'F32') out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  else if (type === 'F16')
    for (let i = 0; i < values.length; i++) view.setUint16(2 * i, floatToHalfBits(values[i]), true);
  else if (type === 'BF16')
    for (let i = 0; i < values.length; i++) view.setUint16(2 * i, floatToBf16Bits(values[i]), true);
  else if (type === 'Q8_0') encodeQ8_0(values, view);
  else encodeQ4_0(values, view);
  return out;
}

/** Decodes `type` bytes back to f32 (llama.cpp's `dequantize_row_*` semantics); for tests and checks. */
export function decodeGgml(bytes: Uint8Array, type: GgmlTypeName, elements: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(elements);
  const half = halfToFloatTable();
  if (type === 'F32') for (let i = 0; i < elements; i++) out[i] = view.getFloat32(4 * i, true);
  else if (type === 'F16') for (let i = 0; i < elements; i++) out[i] = half[view.getUint16(2 * i, true)];
  else if (type === 'BF16')
    for (let i = 0; i < elements; i++)
      out[i] = new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0];
  else if (type === 'Q8_0') {
    for (let b = 0; b < elements / 32; b++) {
      const d = half[view.getUint16(b * 34, true)];
      for (let j = 0; j < 32; j++) out[b * 32 + j] = d * view.getInt8(b * 34 + 2 + j);
    }
  } else {
    for (let b = 0; b < elements / 32; b++) {
      const d = half[view.getUint16(b * 18, true)];
      for (let j = 0; j < 16; j++) {
        const q = view.getUint8(b * 18 + 2 + j);
        out[b * 32 + j] = d * ((q & 0xf) - 8);
        out[b * 32 + 16 + j] = d * ((q >> 4) - 8);
      }
    }
  }
  return out;
}
