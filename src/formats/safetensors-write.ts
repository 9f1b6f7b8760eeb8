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

/** Where one tensor's bytes go in a file being written: its name, dtype, shape and byte length. */
export interface SafetensorsLayoutEntry {
  name: string;
  dtype: FloatDtype;
  shape: readonly number[];
  byteLength: number;
}

/**
 * The 8-byte length prefix plus the space-padded JSON header for tensors laid out back to back in the given order.
 * Writers that stream tensor data (multi-GB checkpoints) write this, then each tensor's bytes in order.
 */
export function safetensorsHeaderBytes(
  tensors: readonly SafetensorsLayoutEntry[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header)
      throw new Error(`safetensors: duplicate or reserved tensor name '${t.name}'`);
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.byteLength] };
    offset += t.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** Serializes tensors (in the given order) plus optional string metadata into one safetensors file. */
export function encodeSafetensors(tensors: readonly SafetensorsEntry[], metadata?: Record<string, string>): Uint8Array {
  const payloads: Uint8Array[] = [];
  const layout: SafetensorsLayoutEntry[] = [];
  for (const t of tensors) {
    const elements = t.shape.reduce((a, d) => a * d, 1);
    if (elements !== t.data.length) {
      throw new Error(
        `safetensors: tensor '${t.name}' has ${t.data.length} values but shape [${t.shape}] needs ${elements}`,
      );
    }
    const bytes = encodeFloats(t.data, t.dtype);
    layout.push({ name: t.name, dtype: t.dtype, shape: t.shape, byteLength: bytes.byteLength });
    payloads.push(bytes);
  }
  const head = safetensorsHeaderBytes(layout, metadata);
  const out = new Uint8Array(head.byteLength + payloads.reduce((a, p) => a + p.byteLength, 0));
  out.set(head, 0);
  let at = head.byteLength;
  for (const p of payloads) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
