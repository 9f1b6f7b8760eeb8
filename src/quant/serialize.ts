/**
 * Byte format of one packed weight, so the storage layer can cache a quantized model (IndexedDB) and a reload
 * does not re-quantize. Little-endian:
 *
 *   0  u32 magic 'LSQW'      4  u32 version (1)     8  u32 mode (0 f16, 1 int8, 2 int4, 3 nf4)
 *   12 u32 outFeatures       16 u32 inFeatures      20 u32 groupSize
 *   24 u32 word count        28 u32 scale count     32 words (u32 × word count), then scales (f32 × scale count)
 */
import { assertGroupSize, assertPackedConsistent, PACKED_MODES, type PackedWeight } from './packed';

const MAGIC = 0x5751534c; // 'LSQW' read as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 32;

/** One ArrayBuffer holding `p` (header + words + scales); the arrays are copied. */
export function serializePacked(p: PackedWeight): ArrayBuffer {
  assertPackedConsistent(p);
  const buf = new ArrayBuffer(HEADER_BYTES + 4 * (p.words.length + p.scales.length));
  const head = new DataView(buf, 0, HEADER_BYTES);
  const fields = [
    MAGIC,
    VERSION,
    PACKED_MODES.indexOf(p.mode),
    p.outFeatures,
    p.inFeatures,
    p.groupSize,
    p.words.length,
    p.scales.length,
  ];
  fields.forEach((v, i) => head.setUint32(i * 4, v, true));
  new Uint32Array(buf, HEADER_BYTES, p.words.length).set(p.words);
  new Float32Array(buf, HEADER_BYTES + 4 * p.words.length, p.scales.length).set(p.scales);
  return buf;
}

/**
 * Reads a buffer written by `serializePacked`. The returned arrays are views into `buf` when it is 4-byte
 * aligned (no copy); throws a descriptive error on a foreign, truncated or inconsistent buffer.
 */
export function deserializePacked(buf: ArrayBuffer | ArrayBufferView): PackedWeight {
  const bytes =
    buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (bytes.byteLength < HEADER_BYTES)
    throw new Error(`deserializePacked: ${bytes.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const head = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const [magic, version, modeIndex, out, inp, groupSize, nWords, nScales] = Array.from({ length: 8 }, (_, i) =>
    head.getUint32(i * 4, true),
  );
  if (magic !== MAGIC) throw new Error('deserializePacked: not a packed weight (bad magic)');
  if (version !== VERSION) throw new Error(`deserializePacked: unsupported version ${version} (expected ${VERSION})`);
  const mode = PACKED_MODES[modeIndex];
  if (!mode) throw new Error(`deserializePacked: unknown mode index ${modeIndex}`);
  assertGroupSize(groupSize);
  const need = HEADER_BYTES + 4 * (nWords + nScales);
  if (bytes.byteLength !== need)
    throw new Error(`deserializePacked: expected ${need} bytes for ${mode} [${out}, ${inp}], got ${bytes.byteLength}`);
  const aligned = bytes.byteOffset % 4 === 0;
  const body = aligned ? bytes : bytes.slice();
  const base = aligned ? bytes.byteOffset : 0;
  const words = new Uint32Array(body.buffer, base + HEADER_BYTES, nWords);
  const scales = new Float32Array(body.buffer, base + HEADER_BYTES + 4 * nWords, nScales);
  const p: PackedWeight = { mode, outFeatures: out, inFeatures: inp, groupSize, words, scales };
  assertPackedConsistent(p);
  return p;
}
