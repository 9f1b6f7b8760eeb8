import { describe, expect, it } from 'vitest';
import { memoryFiles } from './memory-files';
import { decodeFloats, encodeFloats, floatToBf16Bits, floatToHalfBits } from './safetensors-dtype';
import { encodeSafetensors, readSafetensorsHeader, readTensorF32 } from './safetensors';

/** A safetensors file from a raw header object and data bytes. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const files = (bytes: Uint8Array) => memoryFiles({ 'w.safetensors': bytes }, '/models/x');

describe('safetensors round trip', () => {
  it('writes F32/F16/BF16 and reads them back as f32', async () => {
    const values = [0, 1, -2.5, 3.140625, 65504, 1e-5, -0.0001];
    const bytes = encodeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [7], data: values },
        { name: 'b', dtype: 'F16', shape: [7, 1], data: values },
        { name: 'c', dtype: 'BF16', shape: [1, 7], data: values },
      ],
      { format: 'pt' },
    );
    const f = files(bytes);
    const h = await readSafetensorsHeader(f, 'w.safetensors');
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors.get('b')!.shape).toEqual([7, 1]);
    // Header padded to 8 bytes so tensor data is aligned.
    expect(h.tensors.get('a')!.begin % 8).toBe(0);
    expect(Array.from(await readTensorF32(f, h, 'a'))).toEqual(values.map(Math.fround));
    const half = await readTensorF32(f, h, 'b');
    values.forEach((v, i) => expect(Math.abs(half[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-3 + 1e-7));
    const bf = await readTensorF32(f, h, 'c');
    values.forEach((v, i) => expect(Math.abs(bf[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 8e-3));
  });

  it('rounds to nearest even like torch', () => {
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalfBits(1e6)).toBe(0x7c00);
    expect(floatToHalfBits(2 ** -24)).toBe(0x0001);
    expect(floatToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(decodeFloats(encodeFloats([NaN], 'BF16'), 'BF16')[0])).toBe(true);
    expect(decodeFloats(encodeFloats([-Infinity], 'F16'), 'F16')[0]).toBe(-Infinity);
  });

  it('decodes from unaligned views', () => {
    const src = encodeFloats([1.5, -2], 'F32');
    const shifted = new Uint8Array(src.length + 1);
    shifted.set(src, 1);
    expect(Array.from(decodeFloats(shifted.subarray(1), 'F32'))).toEqual([1.5, -2]);
  });
});

describe('safetensors bad inputs (each error names the file)', () => {
  const tensor = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it('file shorter than the length prefix', async () => {
    await expect(readSafetensorsHeader(files(new Uint8Array(5)), 'w.safetensors')).rejects.toThrow(
      '/models/x/w.safetensors: too small to be safetensors',
    );
  });

  it('header length larger than the file, checked before allocating', async () => {
    const bytes = rawFile({ t: tensor }, new Uint8Array(8), 2 ** 40);
    const f = files(bytes);
    let requested = 0;
    const spy = {
      ...f,
      read: (n: string, s?: number, e?: number) => (
        (requested = Math.max(requested, (e ?? 0) - (s ?? 0))),
        f.read(n, s, e)
      ),
    };
    await expect(readSafetensorsHeader(spy, 'w.safetensors')).rejects.toThrow(
      /w\.safetensors: header length 1099511627776 is larger than the file/,
    );
    expect(requested).toBe(8);
  });

  it('header that is not JSON', async () => {
    const bytes = new Uint8Array(20);
    new DataView(bytes.buffer).setBigUint64(0, 12n, true);
    bytes.set(new TextEncoder().encode('{not json!!}'), 8);
    await expect(readSafetensorsHeader(files(bytes), 'w.safetensors')).rejects.toThrow(
      /w\.safetensors: header is not valid JSON/,
    );
  });

  it('truncated data', async () => {
    const bytes = rawFile({ t: tensor }, new Uint8Array(8)).subarray(0, -3);
    await expect(readSafetensorsHeader(files(bytes), 'w.safetensors')).rejects.toThrow(
      /w\.safetensors: tensor 't': data ends at byte \d+ but the file has \d+ bytes \(truncated file\?\)/,
    );
  });

  it('offsets outside the file', async () => {
    const bytes = rawFile({ t: { ...tensor, data_offsets: [4096, 4104] } }, new Uint8Array(8));
    await expect(readSafetensorsHeader(files(bytes), 'w.safetensors')).rejects.toThrow(/tensor 't': data ends at byte/);
  });

  it('unknown dtype', async () => {
    const bytes = rawFile({ t: { ...tensor, dtype: 'F13' } }, new Uint8Array(8));
    await expect(readSafetensorsHeader(files(bytes), 'w.safetensors')).rejects.toThrow(
      /w\.safetensors: tensor 't': unknown dtype "F13"/,
    );
  });

  it('shape × dtype ≠ byte length', async () => {
    const bytes = rawFile({ t: { ...tensor, shape: [3] } }, new Uint8Array(8));
    await expect(readSafetensorsHeader(files(bytes), 'w.safetensors')).rejects.toThrow(
      /tensor 't': shape \[3\] × F32 needs 12 bytes but data_offsets span 8/,
    );
  });

  it('malformed shape and offsets', async () => {
    await expect(
      readSafetensorsHeader(files(rawFile({ t: { ...tensor, shape: [-2] } }, new Uint8Array(8))), 'w.safetensors'),
    ).rejects.toThrow(/shape/);
    await expect(
      readSafetensorsHeader(
        files(rawFile({ t: { ...tensor, data_offsets: [8, 0] } }, new Uint8Array(8))),
        'w.safetensors',
      ),
    ).rejects.toThrow(/end before begin/);
  });

  it('integer tensors are listed but not read as weights', async () => {
    const bytes = rawFile({ t: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
    const f = files(bytes);
    const h = await readSafetensorsHeader(f, 'w.safetensors');
    await expect(readTensorF32(f, h, 't')).rejects.toThrow(/tensor 't' has dtype I32; only F32, F16 and BF16/);
    await expect(readTensorF32(f, h, 'nope')).rejects.toThrow(/no tensor named 'nope'/);
  });

  it('file that shrank after its header was read', async () => {
    const good = encodeSafetensors([{ name: 't', dtype: 'F32', shape: [2], data: [1, 2] }]);
    const h = await readSafetensorsHeader(files(good), 'w.safetensors');
    await expect(readTensorF32(files(good.subarray(0, good.length - 4)), h, 't')).rejects.toThrow(
      /truncated: tensor 't' got 4 of 8 bytes/,
    );
  });

  it('missing file', async () => {
    await expect(readSafetensorsHeader(files(new Uint8Array(0)), 'other.safetensors')).rejects.toThrow(
      '/models/x/other.safetensors: file not found',
    );
  });
});
