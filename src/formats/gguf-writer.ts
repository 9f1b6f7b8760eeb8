/**
 * GGUF v3 writer (llama.cpp's model and adapter container; spec: ggml `docs/gguf.md`). Layout:
 * magic "GGUF", version 3, tensor count (u64), KV count (u64), the KVs (key string, value type, value), one info
 * per tensor (name, n_dims, dims innermost first, ggml type, data offset), padding to the alignment (32), then
 * each tensor's bytes at its offset, every offset a multiple of the alignment.
 *
 * Every size is known from the shapes and types before any tensor data exists, so the header is written first and
 * tensors stream after it one at a time (`writeGguf`): a merged 1B model never sits in memory whole.
 */
import { GGML_TYPE, ggmlBlockSize, ggmlByteSize, type GgmlTypeName } from './ggml-quants';

export const GGUF_ALIGNMENT = 32;

/** GGUF metadata value types (gguf-py `GGUFValueType`). */
const VT = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;
type Scalar = 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64';

/** One metadata value; arrays hold scalars of one type. */
export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32' | 'u64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: Scalar; value: ReadonlyArray<number | string | boolean> };

export const gguf = {
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  str: (value: string): GgufValue => ({ type: 'string', value }),
  array: (of: Scalar, value: ReadonlyArray<number | string | boolean>): GgufValue => ({ type: 'array', of, value }),
};

/** One tensor to write: `shape` row-major, outermost first ([out, in] as in PyTorch); GGUF stores it reversed. */
export interface GgufTensorSpec {
  name: string;
  shape: readonly number[];
  type: GgmlTypeName;
}

/** Where everything lands in the file. */
export interface GgufLayout {
  header: Uint8Array;
  /** Absolute byte offset and size of each tensor's data, in spec order. */
  tensors: { offset: number; bytes: number }[];
  totalBytes: number;
}

/** Growable little-endian byte buffer for the header. */
class Bytes {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  /** Appends `size` bytes that `set` writes at the given offset. */
  private put(size: number, set: (view: DataView, at: number) => void): void {
    this.grow(size);
    set(this.view, this.length);
    this.length += size;
  }
  u8(v: number): void {
    this.put(1, (d, at) => d.setUint8(at, v));
  }
  u32(v: number): void {
    this.put(4, (d, at) => d.setUint32(at, v, true));
  }
  i32(v: number): void {
    this.put(4, (d, at) => d.setInt32(at, v, true));
  }
  f32(v: number): void {
    this.put(4, (d, at) => d.setFloat32(at, v, true));
  }
  u64(v: number): void {
    this.put(8, (d, at) => d.setBigUint64(at, BigInt(v), true));
  }
  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  padTo(alignment: number): void {
    while (this.length % alignment) this.u8(0);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function scalar(out: Bytes, type: Scalar, v: number | string | boolean, key: string): void {
  if (type === 'string') {
    if (typeof v !== 'string') throw new Error(`gguf: ${key}: expected a string`);
    out.string(v);
  } else if (type === 'bool') out.u8(v ? 1 : 0);
  else {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`gguf: ${key}: expected a finite number, got ${String(v)}`);
    if (type === 'f32') out.f32(v);
    else if (type === 'i32') out.i32(v);
    else if (type === 'u32') out.u32(v);
    else out.u64(v);
  }
}

function writeKv(out: Bytes, key: string, v: GgufValue): void {
  out.string(key);
  out.u32(VT[v.type]);
  if (v.type !== 'array') return scalar(out, v.type, v.value, key);
  out.u32(VT[v.of]);
  out.u64(v.value.length);
  for (const x of v.value) scalar(out, v.of, x, key);
}

/** Serializes the header and computes every tensor's offset. Throws on shapes the type cannot hold. */
export function ggufLayout(
  kvs: ReadonlyArray<readonly [string, GgufValue]>,
  tensors: readonly GgufTensorSpec[],
): GgufLayout {
  const out = new Bytes();
  out.u32(0x46554747); // "GGUF" little-endian
  out.u32(3);
  out.u64(tensors.length);
  out.u64(kvs.length);
  const keys = new Set<string>();
  for (const [key, v] of kvs) {
    if (keys.has(key)) throw new Error(`gguf: duplicate key '${key}'`);
    keys.add(key);
    writeKv(out, key, v);
  }
  const placed: GgufLayout['tensors'] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`gguf: duplicate tensor '${t.name}'`);
    names.add(t.name);
    const inner = t.shape[t.shape.length - 1];
    if (inner % ggmlBlockSize(t.type) !== 0)
      throw new Error(`gguf: ${t.name}: rows of ${inner} do not fit ${t.type} blocks of ${ggmlBlockSize(t.type)}`);
    const bytes = ggmlByteSize(
      t.type,
      t.shape.reduce((a, d) => a * d, 1),
    );
    out.string(t.name);
    out.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) out.u64(t.shape[d]);
    out.u32(GGML_TYPE[t.type]);
    out.u64(offset);
    placed.push({ offset, bytes });
    offset += Math.ceil(bytes / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  }
  out.padTo(GGUF_ALIGNMENT);
  const header = out.bytes();
  for (const p of placed) p.offset += header.length;
  return { header, tensors: placed, totalBytes: header.length + offset };
}

/** Where exported bytes go: a file (Node), a save-file stream or a streamed zip (browser), or memory (tests). */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
}

/**
 * Writes a whole GGUF to `sink`: the header, then `produce(i)`'s bytes for each tensor in order — one array, or
 * chunks of whole rows — each tensor checked against its planned size and padded to the alignment. Only what
 * `produce` holds at a time is in memory.
 */
export async function writeGguf(
  sink: ByteSink,
  kvs: ReadonlyArray<readonly [string, GgufValue]>,
  tensors: readonly GgufTensorSpec[],
  produce: (index: number, spec: GgufTensorSpec) => Promise<Uint8Array> | Uint8Array | AsyncIterable<Uint8Array>,
  onTensor?: (done: number, total: number) => void,
): Promise<GgufLayout> {
  const layout = ggufLayout(kvs, tensors);
  await sink.write(layout.header);
  for (const [i, spec] of tensors.entries()) {
    const produced = await produce(i, spec);
    const want = layout.tensors[i].bytes;
    let got = 0;
    for await (const chunk of produced instanceof Uint8Array ? [produced] : produced) {
      got += chunk.byteLength;
      if (got > want) break;
      await sink.write(chunk);
    }
    if (got !== want) throw new Error(`gguf: ${spec.name}: produced ${got} bytes, planned ${want}`);
    const pad = (GGUF_ALIGNMENT - (want % GGUF_ALIGNMENT)) % GGUF_ALIGNMENT;
    if (pad) await sink.write(new Uint8Array(pad)); // gguf-py pads the last tensor too
    onTensor?.(i + 1, tensors.length);
  }
  return layout;
}
