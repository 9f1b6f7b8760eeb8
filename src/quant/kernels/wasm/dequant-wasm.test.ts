import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../../backend/node';
import { tf } from '../../../backend/tf';
import { dequantize } from '../../dequantize';
import { f16BitsToF32 } from '../../f16';
import { PACKED_MODES, packedLayout, type GroupSize, type PackedMode } from '../../packed';
import { quantize } from '../../quantize';
import { maxRelError, randomUniform, randomWeight, referenceMatmul, refForward } from '../../synthetic';
import { hostKernelSettings } from '../host/quant-matmul-host';
import { QUANT_MATMUL, QUANT_MATMUL_INPUT_GRAD } from '../names';
import { registerQuantKernels } from '../register';
import { dequantKernels } from './dequant-wasm';
import { WASM_GEMV_MODES } from './gemv-wasm';
import { wasmGemmSettings } from './wasm-gemm-host';

// Ragged last groups (in 33, 100, 200 against groups 32/64/128), odd row counts, each group size.
const SHAPES: { out: number; inp: number; g: GroupSize }[] = [
  { out: 1, inp: 32, g: 32 },
  { out: 17, inp: 33, g: 32 },
  { out: 40, inp: 100, g: 64 },
  { out: 9, inp: 200, g: 128 },
  { out: 23, inp: 576, g: 64 },
];

const align = (n: number) => Math.ceil(n / 16) * 16;

describe('wasm SIMD decode of packed rows into f32', () => {
  for (const mode of WASM_GEMV_MODES) {
    it(`${mode}: every value bit-equal to the reference dequantize, padded columns exactly 0, row ranges`, () => {
      let seed = 7;
      for (const { out, inp, g } of SHAPES) {
        const packed = quantize(randomWeight(out * inp, seed++), [out, inp], mode, g);
        const ref = dequantize(packed); // [out, in]
        const l = packedLayout(mode, inp, g);
        const memory = new WebAssembly.Memory({ initial: 16 });
        const k = dequantKernels(memory, 'simd');
        if (!k) throw new Error('no SIMD');
        const wOff = 16;
        const sOff = align(wOff + packed.words.byteLength);
        const dOff = align(sOff + packed.scales.byteLength) + 4; // an unaligned destination
        new Uint32Array(memory.buffer, wOff, packed.words.length).set(packed.words);
        new Float32Array(memory.buffer, sOff, packed.scales.length).set(packed.scales);
        const rowBytes = l.rowWords * 4;
        // Rows [r0, out): the kernel starts at any row.
        const r0 = out > 2 ? 2 : 0;
        const rows = out - r0;
        new Float32Array(memory.buffer, dOff, rows * l.paddedIn).fill(NaN);
        const groupBytes = (g / l.codesPerWord) * 4;
        k[`dequant_${mode}`](
          wOff + r0 * rowBytes,
          sOff + r0 * l.groupsPerRow * 4,
          dOff,
          rows,
          rowBytes,
          l.groupsPerRow,
          groupBytes,
        );
        const got = new Float32Array(memory.buffer, dOff, rows * l.paddedIn);
        for (let r = 0; r < rows; r++) {
          const row = got.subarray(r * l.paddedIn, (r + 1) * l.paddedIn);
          expect(Array.from(row.subarray(0, inp))).toEqual(
            Array.from(ref.subarray((r0 + r) * inp, (r0 + r + 1) * inp)),
          );
          expect(Array.from(row.subarray(inp)).every((v) => Object.is(v, 0) || Object.is(v, -0))).toBe(true);
        }
      }
    });
  }
});

describe('wasm SIMD decode of f16', () => {
  it('every one of the 65536 half patterns to its exact f32 (subnormals, ±0, ±∞, NaN)', () => {
    const memory = new WebAssembly.Memory({ initial: 8 });
    const k = dequantKernels(memory, 'simd');
    if (!k) throw new Error('no SIMD');
    const halves = new Uint16Array(memory.buffer, 16, 65536);
    for (let h = 0; h < 65536; h++) halves[h] = h;
    const dOff = 16 + 65536 * 2 + 4; // an unaligned destination
    k.dequant_f16(16, dOff, 65536);
    const got = new Float32Array(memory.buffer, dOff, 65536);
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const want = f16BitsToF32(h);
      if (Number.isNaN(want) ? !Number.isNaN(got[h]) : !Object.is(got[h], want)) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });
});

describe('wasm many-row kernel builds', () => {
  it('a shared memory (tfjs threaded build) gets the shared build, an unshared one the plain one', () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(dequantKernels(shared)).not.toBeNull();
    expect(dequantKernels(new WebAssembly.Memory({ initial: 1 }))).not.toBeNull();
  });
});

describe('wasm SIMD transpose', () => {
  it('transposes and accumulates strided sub-matrices of every ragged size', () => {
    const memory = new WebAssembly.Memory({ initial: 4 });
    const k = dequantKernels(memory, 'simd');
    if (!k) throw new Error('no SIMD');
    for (const [rows, cols] of [
      [1, 1],
      [3, 5],
      [4, 4],
      [7, 9],
      [8, 13],
      [13, 8],
      [64, 33],
      [37, 70],
    ]) {
      const [srcStride, dstStride] = [cols + 3, rows + 2];
      const src = randomUniform(rows * srcStride, rows * 31 + cols);
      const before = randomUniform(cols * dstStride, rows + cols);
      const sOff = 64 + 4; // unaligned
      const dOff = align(sOff + src.byteLength) + 8;
      for (const add of [false, true]) {
        new Float32Array(memory.buffer, sOff, src.length).set(src);
        new Float32Array(memory.buffer, dOff, before.length).set(before);
        (add ? k.transpose_add : k.transpose)(sOff, dOff, rows, cols, srcStride, dstStride);
        const dst = new Float32Array(memory.buffer, dOff, before.length);
        const want = before.slice();
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++) {
            const v = src[r * srcStride + c];
            want[c * dstStride + r] = add ? Math.fround(want[c * dstStride + r] + v) : v;
          }
        expect(Array.from(dst), `${rows}×${cols} add=${add}`).toEqual(Array.from(want));
      }
    }
  });
});

describe('QuantMatMul and its input gradient on wasm decode W with the SIMD kernels for many rows', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
    registerQuantKernels();
  });
  const savedBlock = hostKernelSettings.blockFloats;
  const savedChunk = wasmGemmSettings.chunkRows;
  afterEach(() => {
    hostKernelSettings.blockFloats = savedBlock;
    wasmGemmSettings.chunkRows = savedChunk;
    wasmGemmSettings.enabled = true;
  });

  /** y = x·Wᵀ + b and dx = dy·W through the kernels, against the float64 references and the JS decode path. */
  function check(mode: PackedMode, out: number, inp: number, g: GroupSize, m: number, seed: number) {
    const packed = quantize(randomWeight(out * inp, seed), [out, inp], mode, g);
    const w = dequantize(packed);
    const l = packedLayout(mode, inp, g);
    const xv = randomUniform(m * inp, seed + 1);
    const dyv = randomUniform(m * out, seed + 2);
    const bias = randomUniform(out, seed + 3);
    const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
    const scales = mode === 'f16' ? undefined : tf.tensor2d(packed.scales, [out, l.groupsPerRow]); // f16: none
    const [x, dy, b] = [tf.tensor2d(xv, [m, inp]), tf.tensor2d(dyv, [m, out]), tf.tensor1d(bias)];
    const attrs = { mode, groupSize: g, inFeatures: inp, outFeatures: out };
    const run = () => {
      const packedInputs: tf.NamedTensorMap = scales ? { words, scales } : { words };
      const y = tf.engine().runKernel(QUANT_MATMUL, { x, ...packedInputs, bias: b }, attrs) as tf.Tensor;
      const dx = tf.engine().runKernel(QUANT_MATMUL_INPUT_GRAD, { dy, ...packedInputs }, attrs) as tf.Tensor;
      const got = { y: y.dataSync().slice(), dx: dx.dataSync().slice() };
      tf.dispose([y, dx]);
      return got;
    };
    const before = wasmGemmSettings.calls;
    const simd = run();
    expect(wasmGemmSettings.calls, 'the SIMD path ran both products').toBe(before + 2);
    wasmGemmSettings.enabled = false;
    const js = run();
    wasmGemmSettings.enabled = true;
    const what = `${mode} [${out}, ${inp}] g${g} M ${m}`;
    expect(maxRelError(simd.y, refForward(xv, w, m, inp, out, bias)), what).toBeLessThan(1e-5);
    expect(maxRelError(simd.dx, referenceMatmul(dyv, w, m, out, inp)), what).toBeLessThan(1e-5);
    expect(maxRelError(simd.y, js.y), what).toBeLessThan(1e-5);
    expect(maxRelError(simd.dx, js.dx), what).toBeLessThan(1e-5);
    tf.dispose([words, x, dy, b, ...(scales ? [scales] : [])]);
  }

  for (const mode of PACKED_MODES) {
    it(`${mode}: equal to x·dequant(W)ᵀ + b and dy·dequant(W) for ragged groups, odd sizes, M = 9/64`, () => {
      let seed = 50;
      for (const { out, inp, g } of SHAPES) for (const m of [9, 64]) check(mode, out, inp, g, m, seed++);
    });

    it(`${mode}: the input gradient of a single row (M = 1) runs the SIMD path too`, () => {
      for (const [out, inp, g, seed] of [
        [40, 100, 64, 70],
        [17, 33, 32, 71],
      ] as const) {
        const packed = quantize(randomWeight(out * inp, seed), [out, inp], mode, g);
        const l = packedLayout(mode, inp, g);
        const dyv = randomUniform(out, seed + 1);
        const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
        const inputs: tf.NamedTensorMap = { dy: tf.tensor2d(dyv, [1, out]), words };
        if (mode !== 'f16') inputs.scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
        const attrs = { mode, groupSize: g, inFeatures: inp, outFeatures: out };
        const before = wasmGemmSettings.calls;
        const dx = tf.engine().runKernel(QUANT_MATMUL_INPUT_GRAD, inputs, attrs) as tf.Tensor;
        expect(wasmGemmSettings.calls).toBe(before + 1);
        const ref = referenceMatmul(dyv, dequantize(packed), 1, out, inp);
        expect(maxRelError(dx.dataSync(), ref), `${mode} [${out}, ${inp}]`).toBeLessThan(1e-5);
        tf.dispose([dx, ...Object.values(inputs)]);
      }
    });

    it(`${mode}: several blocks and decode chunks (blockFloats and chunkRows shrunk) give the same result`, () => {
      hostKernelSettings.blockFloats = 7 * 200; // 7-row forward blocks, 7-column gradient blocks of [40, 100]
      wasmGemmSettings.chunkRows = 3; // ragged chunks inside each gradient block
      check(mode, 40, 100, 64, 13, 90);
      check(mode, 17, 33, 32, 11, 91);
    });
  }
});
