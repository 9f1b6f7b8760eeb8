/**
 * Our GGUF writer read back by an outside parser (@huggingface/gguf), and the ggml block encoders against
 * llama.cpp's reference rules (Q8_0: d = absmax/127, round half away from zero; Q4_0: d = max/−8, nibble order).
 */
import { gguf as parseGguf, GGMLQuantizationType } from '@huggingface/gguf';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../export/export-fixtures.node.js';
import { decodeGgml, encodeGgml, ggmlByteSize } from './ggml-quants';
import { gguf, GGUF_ALIGNMENT, writeGguf, type GgufTensorSpec } from './gguf-writer';
import { halfToFloatTable } from './safetensors-dtype';

async function writeToBytes(
  kvs: Parameters<typeof writeGguf>[1],
  specs: GgufTensorSpec[],
  data: Float32Array[],
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeGguf({ write: async (c) => void chunks.push(c.slice()) }, kvs, specs, (i, s) =>
    encodeGgml(data[i], s.type),
  );
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.byteLength) - c.byteLength);
  return out;
}

describe('GGUF writer', () => {
  it('writes KVs of every type and tensors that @huggingface/gguf reads back, dims innermost first, aligned', async () => {
    const specs: GgufTensorSpec[] = [
      { name: 'a.weight', shape: [3, 64], type: 'Q8_0' },
      { name: 'b.weight', shape: [5], type: 'F32' },
      { name: 'c.weight', shape: [2, 32], type: 'Q4_0' },
      { name: 'd.weight', shape: [4, 8], type: 'F16' },
    ];
    const data = specs.map((s) =>
      Float32Array.from({ length: s.shape.reduce((a, d) => a * d, 1) }, (_, i) => Math.sin(i)),
    );
    const bytes = await writeToBytes(
      [
        ['general.architecture', gguf.str('llama')],
        ['x.u32', gguf.u32(7)],
        ['x.f32', gguf.f32(0.5)],
        ['x.bool', gguf.bool(true)],
        ['x.tokens', gguf.array('string', ['a', 'b c', 'Ġd'])],
        ['x.types', gguf.array('i32', [1, 3, -1])],
      ],
      specs,
      data,
    );
    const file = path.join(tempDir('gguf'), 't.gguf');
    writeFileSync(file, bytes);
    const parsed = await parseGguf(file, { allowLocalFile: true });
    expect(parsed.metadata).toMatchObject({
      version: 3,
      tensor_count: 4n,
      'general.architecture': 'llama',
      'x.u32': 7,
      'x.f32': 0.5,
      'x.bool': true,
      'x.tokens': ['a', 'b c', 'Ġd'],
      'x.types': [1, 3, -1],
    });
    expect(parsed.tensorInfos.map((t) => [t.name, t.shape.map(Number), t.dtype])).toEqual([
      ['a.weight', [64, 3], GGMLQuantizationType.Q8_0],
      ['b.weight', [5], GGMLQuantizationType.F32],
      ['c.weight', [32, 2], GGMLQuantizationType.Q4_0],
      ['d.weight', [8, 4], GGMLQuantizationType.F16],
    ]);
    for (const [i, t] of parsed.tensorInfos.entries()) {
      expect(Number(t.offset) % GGUF_ALIGNMENT).toBe(0);
      const start = Number(parsed.tensorDataOffset) + Number(t.offset);
      const got = decodeGgml(
        bytes.subarray(start, start + ggmlByteSize(specs[i].type, data[i].length)),
        specs[i].type,
        data[i].length,
      );
      const worst = Math.max(...Array.from(got, (v, j) => Math.abs(v - data[i][j])));
      // Q4_0 codes −8..7: a value of the opposite sign to the block's extreme clamps to 7·d, an error up to |d| = 1/8.
      expect(worst, t.name).toBeLessThan(0.13);
    }
  });

  it('refuses rows that do not fill quantization blocks and duplicate names', async () => {
    await expect(
      writeToBytes([], [{ name: 'w', shape: [2, 16], type: 'Q8_0' }], [new Float32Array(32)]),
    ).rejects.toThrow(/rows of 16 do not fit Q8_0/);
    await expect(
      writeToBytes(
        [
          ['k', gguf.u32(1)],
          ['k', gguf.u32(2)],
        ],
        [],
        [],
      ),
    ).rejects.toThrow(/duplicate key/);
  });
});

describe('ggml block encoders', () => {
  const half = halfToFloatTable();
  const x = Float32Array.from({ length: 32 }, (_, j) => (j - 12.5) * 0.03);

  it('Q8_0: f16 d = absmax/127, codes round(x/d) with halves away from zero', () => {
    const b = encodeGgml(x, 'Q8_0');
    const d = half[b[0] | (b[1] << 8)];
    expect(d).toBeCloseTo((18.5 * 0.03) / 127, 5); // f16 scale of absmax/127
    const codes = Array.from(new Int8Array(b.buffer, 2, 32));
    expect(codes[31]).toBe(127);
    codes.forEach((q, j) => expect(Math.abs(q - x[j] / d)).toBeLessThanOrEqual(0.5 + 1e-3));
    expect(
      encodeGgml(
        Float32Array.from({ length: 32 }, (_, j) => (j === 0 ? 127 : j === 1 ? 0.5 : j === 2 ? -0.5 : 0)),
        'Q8_0',
      ).slice(2, 5),
    ).toEqual(new Uint8Array([127, 1, 255]));
  });

  it('Q4_0: d = (value of largest magnitude)/−8, element j low nibble and j+16 high nibble of byte j', () => {
    const b = encodeGgml(x, 'Q4_0');
    const d = half[b[0] | (b[1] << 8)];
    expect(d).toBeCloseTo((18.5 * 0.03) / -8, 4); // x[31] = 18.5·0.03 is the largest magnitude
    const back = decodeGgml(b, 'Q4_0', 32);
    for (let j = 0; j < 32; j++) expect(Math.abs(back[j] - x[j])).toBeLessThanOrEqual(Math.abs(d) / 2 + 1e-6);
    expect(b[2] & 0xf).toBe(Math.min(15, Math.trunc(x[0] / d + 8.5)));
    expect(b[2] >> 4).toBe(Math.min(15, Math.trunc(x[16] / d + 8.5)));
  });
});
