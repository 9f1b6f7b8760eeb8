/**
 * safetensors writer: used by PEFT adapter export and by tests that build checkpoints on the fly. The header is
 * padded with spaces to a multiple of 8 bytes (as the reference writer does) so tensor data stays aligned.
 */
import { encodeFloats, type FloatDtype } from './safetensors-dtype';

/** One tensor to write. `data` holds f32 values; they are converted to `dtype` on the way out. */
export interface SafetensorsEntry {
  name: string;
  dtype: FloatDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Serializes tensors (in the given order) plus optional string metadata into one safetensors file. */
export function encodeSafetensors(tensors: readonly SafetensorsEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) throw new Error(`safetensors: duplicate or reserved tensor name '${t.name}'`);
    const elements = t.shape.reduce((a, d) => a * d, 1);
    if (elements !== t.data.length) {
      throw new Error(`safetensors: tensor '${t.name}' has ${t.data.length} values but shape [${t.shape}] needs ${elements}`);
    }
    const bytes = encodeFloats(t.data, t.dtype);
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    payloads.push(bytes);
    offset += bytes.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const p of payloads) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
