import { describe, expect, it } from 'vitest';
import { dequantize } from './dequantize';
import { f16BitsToF32, f32ToF16Bits } from './f16';
import { dequantizeRowsInto, dotRow } from './kernels/host/dequant-rows';
import { packedGemv } from './kernels/host/packed-gemv';
import { INT4_QMAX, INT8_QMAX, NF4_LEVELS } from './levels';
import { GROUP_SIZES, PACKED_MODES, packedByteSize, packedLayout, type PackedMode } from './packed';
import { quantize } from './quantize';
import { deserializePacked, serializePacked } from './serialize';
import { maxRelError, randomUniform, randomWeight, refForward } from './synthetic';

/** Relative Frobenius error ‖W − Ŵ‖ / ‖W‖. */
function relFrobenius(w: Float32Array, q: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < w.length; i++) {
    num += (w[i] - q[i]) ** 2;
    den += w[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const SHAPES: [number, number][] = [
  [3, 1],
  [5, 31],
  [7, 64],
  [9, 100],
  [4, 257],
];

describe('packing layout', () => {
  it('pads rows to whole groups and whole vec4 words', () => {
    for (const mode of PACKED_MODES) {
      for (const g of GROUP_SIZES) {
        for (const inp of [1, 31, 64, 65, 200]) {
          const l = packedLayout(mode, inp, g);
          expect(l.paddedIn).toBeGreaterThanOrEqual(inp);
          expect(l.paddedIn % 32).toBe(0);
          expect(l.rowWords % 4).toBe(0);
          expect(l.rowWords * l.codesPerWord).toBe(l.paddedIn);
          if (mode !== 'f16') expect(l.groupsPerRow).toBe(Math.ceil(inp / g));
        }
      }
    }
  });

  it('int4/nf4 take ≤ 0.15 × the f32 bytes at group 64 and int8 ≤ 0.27 ×, f16 0.5 ×', () => {
    const shape: [number, number] = [576, 1536];
    const f32 = packedByteSize(shape, 'f32');
    expect(f32).toBe(576 * 1536 * 4);
    expect(packedByteSize(shape, 'int4', 64) / f32).toBeLessThanOrEqual(0.15);
    expect(packedByteSize(shape, 'nf4', 64) / f32).toBeLessThanOrEqual(0.15);
    expect(packedByteSize(shape, 'int8', 64) / f32).toBeLessThanOrEqual(0.27);
    expect(packedByteSize(shape, 'f16', 64) / f32).toBe(0.5);
    const p = quantize(randomWeight(64 * 192, 1), [64, 192], 'nf4', 64);
    expect(packedByteSize([64, 192], 'nf4', 64)).toBe(p.words.byteLength + p.scales.byteLength);
  });

  it('rejects bad group sizes and mismatched shapes', () => {
    expect(() => quantize(new Float32Array(8), [2, 4], 'int8', 48 as never)).toThrow(/group size/);
    expect(() => quantize(new Float32Array(7), [2, 4], 'int8')).toThrow(/needs 8/);
    for (const mode of PACKED_MODES)
      expect(() => quantize(Float32Array.of(1, NaN), [1, 2], mode)).toThrow(/non-finite/);
    expect(() => quantize(Float32Array.of(Infinity, 0), [1, 2], 'f16')).toThrow(/non-finite/);
  });
});

describe('quantization error', () => {
  it('int8: every element within half a step of its group scale; relative error < 0.01', () => {
    for (const [out, inp] of SHAPES) {
      const w = randomWeight(out * inp, out * 1000 + inp);
      const p = quantize(w, [out, inp], 'int8', 32);
      const q = dequantize(p);
      const l = packedLayout('int8', inp, 32);
      for (let i = 0; i < w.length; i++) {
        const scale = p.scales[Math.floor(i / inp) * l.groupsPerRow + Math.floor((i % inp) / 32)];
        expect(Math.abs(w[i] - q[i])).toBeLessThanOrEqual(scale / 2 + 1e-9);
      }
      expect(relFrobenius(w, q)).toBeLessThan(0.01);
    }
  });

  // Measured on N(0, 0.05²) weights [64, 512], group 64: int8 0.00602, int4 0.1098, nf4 0.0925, f16 0.00021
  // (group 32 / 128: int4 0.0984 / 0.1205, nf4 0.0879 / 0.0969). NF4 beats int4 on Gaussian weights, as QLoRA reports.
  it.each([
    ['int8', 0.0065],
    ['int4', 0.12],
    ['nf4', 0.1],
    ['f16', 0.0003],
  ] as [PackedMode, number][])('%s relative Frobenius error on Gaussian weights < %f', (mode, bound) => {
    const w = randomWeight(64 * 512, 7);
    const err = relFrobenius(w, dequantize(quantize(w, [64, 512], mode, 64)));
    expect(err).toBeLessThan(bound);
    expect(err).toBeGreaterThan(bound / 4); // the bound is tight, not vacuous
  });

  it('int codes stay symmetric and the group absmax is exact', () => {
    const w = Float32Array.of(-1, 0.3, 0.25, 1e-3, ...new Array<number>(60).fill(0.1));
    for (const [mode, qmax] of [
      ['int8', INT8_QMAX],
      ['int4', INT4_QMAX],
    ] as const) {
      const q = dequantize(quantize(w, [1, 64], mode, 64));
      expect(q[0]).toBeCloseTo(-1, 6);
      expect(q[1]).toBeCloseTo(Math.round(0.3 * qmax) / qmax, 6);
    }
    const nf = dequantize(quantize(w, [1, 64], 'nf4', 64));
    expect(nf[0]).toBe(-1);
    expect(nf[1]).toBeCloseTo(NF4_LEVELS[11], 6); // 0.3 is nearest to 0.3379
  });

  it('nf4 picks the nearest level for every value', () => {
    const w = Float32Array.from({ length: 64 }, (_, i) => -1 + (2 * i) / 63);
    const q = dequantize(quantize(w, [1, 64], 'nf4', 64));
    for (let i = 0; i < 64; i++) {
      const best = Math.min(...NF4_LEVELS.map((l) => Math.abs(l - w[i])));
      expect(Math.abs(q[i] - w[i])).toBeCloseTo(best, 6);
    }
  });

  it('an all-zero group stays zero', () => {
    for (const mode of PACKED_MODES)
      expect(Array.from(dequantize(quantize(new Float32Array(40), [1, 40], mode, 32)))).toEqual(new Array(40).fill(0));
  });
});

describe('f16', () => {
  it('matches known half values and rounds to nearest even', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(1e6)).toBe(0x7bff); // saturates
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(f16BitsToF32(0x3555)).toBeCloseTo(0.333251953125, 12);
  });

  it('round trip error ≤ half an ulp over a wide range', () => {
    const w = randomWeight(4000, 3, 100);
    for (const v of w) {
      const back = f16BitsToF32(f32ToF16Bits(v));
      const ulp = Math.max(2 ** (Math.floor(Math.log2(Math.abs(v))) - 10), 2 ** -24);
      expect(Math.abs(back - v)).toBeLessThanOrEqual(ulp / 2);
    }
  });
});

describe('fast host decode', () => {
  it('dequantizeRowsInto equals the reference bit for bit', () => {
    for (const mode of PACKED_MODES) {
      for (const [out, inp] of SHAPES) {
        const p = quantize(randomWeight(out * inp, inp), [out, inp], mode, 32);
        const ref = dequantize(p);
        const fast = new Float32Array(ref.length);
        dequantizeRowsInto(p, 0, out, fast);
        expect(fast).toEqual(ref);
        const tail = new Float32Array((out - 1) * inp);
        dequantizeRowsInto(p, 1, out, tail);
        expect(tail).toEqual(ref.subarray(inp));
      }
    }
  });

  it('dotRow (decode fused into the dot product) equals x·dequant(W)ᵀ', () => {
    for (const mode of PACKED_MODES) {
      for (const [out, inp] of SHAPES) {
        const p = quantize(randomWeight(out * inp, inp + 1), [out, inp], mode, 32);
        const x = randomUniform(2 * inp, out); // two rows: the second checks xOffset
        const got = Array.from({ length: 2 * out }, (_, i) => dotRow(p, i % out, x, Math.floor(i / out) * inp));
        expect(maxRelError(got, refForward(x, dequantize(p), 2, inp, out))).toBeLessThan(1e-6);
      }
    }
  });
});

describe('packed GEMV (decode, M = 1)', () => {
  it('packedGemv equals x·dequant(W)ᵀ for every mode, group size and a ragged last group', () => {
    for (const mode of PACKED_MODES) {
      for (const group of [32, 64, 128] as const) {
        for (const [out, inp] of [...SHAPES, [7, 200], [3, 37]] as [number, number][]) {
          const p = quantize(randomWeight(out * inp, inp + 3), [out, inp], mode, group);
          const x = randomUniform(2 * inp, out + 1); // two rows: the second checks the offsets
          const got = new Float32Array(2 * out);
          packedGemv(p, x, 0, got, 0);
          packedGemv(p, x, inp, got, out);
          expect(maxRelError(Array.from(got), refForward(x, dequantize(p), 2, inp, out))).toBeLessThan(1e-6);
        }
      }
    }
  });
});

describe('serialization', () => {
  it('round-trips every mode without loss', () => {
    for (const mode of PACKED_MODES) {
      const p = quantize(randomWeight(5 * 100, 9), [5, 100], mode, 32);
      const back = deserializePacked(serializePacked(p));
      expect(back).toEqual(p);
      const shifted = new Uint8Array(serializePacked(p).byteLength + 3);
      shifted.set(new Uint8Array(serializePacked(p)), 3);
      expect(deserializePacked(shifted.subarray(3))).toEqual(p); // unaligned view is copied
    }
  });

  it('rejects foreign, truncated and inconsistent buffers with a clear message', () => {
    const buf = serializePacked(quantize(randomWeight(2 * 64, 1), [2, 64], 'int4'));
    expect(() => deserializePacked(new ArrayBuffer(10))).toThrow(/shorter than/);
    expect(() => deserializePacked(new Uint8Array(40))).toThrow(/bad magic/);
    expect(() => deserializePacked(buf.slice(0, buf.byteLength - 4))).toThrow(/expected \d+ bytes/);
    const bad = buf.slice(0);
    new DataView(bad).setUint32(16, 65, true); // inFeatures now disagrees with the word count
    expect(() => deserializePacked(bad)).toThrow(/needs/);
  });
});
