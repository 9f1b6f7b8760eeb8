import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asGeneration } from '../../../backend/generation-scope';
import { initNodeBackend } from '../../../backend/node';
import { tf } from '../../../backend/tf';
import { dequantize } from '../../dequantize';
import { packedLayout, type GroupSize } from '../../packed';
import { quantize } from '../../quantize';
import { maxRelError, RAGGED_GEMV_SHAPES, randomUniform, randomWeight, refForward } from '../../synthetic';
import { QUANT_MATMUL } from '../names';
import { registerQuantKernels } from '../register';
import { generatedSource, KERNEL_MODULES } from './assemble.node';
import {
  gemvKernels,
  isQ16Mode,
  prepareX,
  prepareXq16,
  relaxedSimdSupported,
  scratchFloats,
  WASM_GEMV_MODES,
  type WasmGemvMode,
} from './gemv-wasm';
import { kernelsForBackend, wasmGemvSettings } from './wasm-gemv-host';

const SHAPES = RAGGED_GEMV_SHAPES;

/**
 * Runs a kernel on its own memory: weight, scales, laid-out x (and for `q16` its group scales) and y copied in at
 * 16-byte-aligned offsets. `q16` runs the integer-dot kernel on x quantized by `prepareXq16`.
 */
function runStandalone(
  mode: WasmGemvMode,
  flavour: 'relaxed' | 'simd',
  out: number,
  inp: number,
  g: GroupSize,
  seed: number,
  opts: { q16?: boolean; x?: Float32Array } = {},
) {
  const packed = quantize(randomWeight(out * inp, seed), [out, inp], mode, g);
  const x = opts.x ?? randomUniform(inp, seed + 1);
  const l = packedLayout(mode, inp, g);
  const memory = new WebAssembly.Memory({ initial: 64 });
  const k = gemvKernels(memory, flavour);
  if (!k) throw new Error('no SIMD');
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const wOff = 16;
  const sOff = align(wOff + packed.words.byteLength);
  const xOff = align(sOff + packed.scales.byteLength);
  // q16: xq [paddedIn] i16, then the group scales; else the f32 layout, its int4 corrections at paddedIn
  const tailOff = opts.q16 ? align(xOff + l.paddedIn * 2) : xOff + l.paddedIn * 4;
  const yOff = align(opts.q16 ? tailOff + l.groupsPerRow * 4 : xOff + scratchFloats(mode, l.paddedIn, g) * 4);
  new Uint32Array(memory.buffer, wOff, packed.words.length).set(packed.words);
  new Float32Array(memory.buffer, sOff, packed.scales.length).set(packed.scales);
  const xq = new Int16Array(memory.buffer, xOff, l.paddedIn);
  let gemv = k[`gemv_${mode}`];
  if (opts.q16 && isQ16Mode(mode)) {
    prepareXq16(mode, x, 0, inp, xq, new Float32Array(memory.buffer, tailOff, l.groupsPerRow), l.paddedIn, g);
    gemv = k[`gemv_${mode}_q16_g${g}_r1`];
  } else {
    const floats = scratchFloats(mode, l.paddedIn, g);
    prepareX(mode, x, 0, inp, new Float32Array(memory.buffer, xOff, floats), l.paddedIn, g);
  }
  gemv(wOff, sOff, xOff, yOff, out, l.rowWords * 4, l.groupsPerRow, (g / l.codesPerWord) * 4, tailOff);
  const y = new Float32Array(memory.buffer, yOff, out).slice();
  return { y, ref: refForward(x, dequantize(packed), 1, inp, out), xq: xq.slice() };
}

describe('wasm SIMD GEMV kernels', () => {
  it('the committed modules are exactly what their WAT sources assemble to (regenerated with wabt)', async () => {
    expect(KERNEL_MODULES.map((m) => m.constName)).toEqual([
      'GEMV_MODULES',
      'ROWS_MATMUL_MODULES',
      'ADAMW_MODULES',
      'LORA_PATH_MODULES',
      'GENERATION_MATH_MODULES',
      'DEQUANT_MODULES',
    ]);
    for (const spec of KERNEL_MODULES)
      expect(fs.readFileSync(spec.file, 'utf8'), spec.from).toBe(await generatedSource(spec));
  });

  const flavours: Array<'relaxed' | 'simd'> = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
  for (const mode of WASM_GEMV_MODES) {
    for (const flavour of flavours) {
      it(`${mode} (${flavour}): y = x·dequant(W)ᵀ for ragged groups and odd sizes`, () => {
        let seed = 3;
        for (const { out, inp, g } of SHAPES) {
          const { y, ref } = runStandalone(mode, flavour, out, inp, g, seed++);
          expect(maxRelError(y, ref)).toBeLessThan(1e-5);
        }
      });
    }
  }

  for (const mode of ['int8', 'int4'] as const) {
    for (const flavour of flavours) {
      it(`${mode} q16 (${flavour}): integer dots on 16-bit x are within 3·10⁻⁵ of x·dequant(W)ᵀ`, () => {
        let seed = 11;
        for (const { out, inp, g } of SHAPES) {
          const { y, ref } = runStandalone(mode, flavour, out, inp, g, seed++, { q16: true });
          expect(maxRelError(y, ref)).toBeLessThan(3e-5);
        }
      });
    }

    it(`${mode} q16: every column lands in its plane, at the extremes of the code and x ranges`, () => {
      // x with one ±max per group, and the extreme codes (int8 ±127, int4 −8/7) from a weight of ±1 spikes.
      const inp = 128;
      const x = Float32Array.from({ length: inp }, (_, c) => (c % 37 === 0 ? -3 : c % 5) - 2);
      const { y, ref, xq } = runStandalone(mode, 'simd', 7, inp, 64, 5, { q16: true, x });
      expect(Math.max(...Array.from(xq, Math.abs))).toBe(32767);
      expect(maxRelError(y, ref)).toBeLessThan(3e-5);
    });

    it(`${mode} q16: a NaN or ∞ in x reaches y, as the exact kernel's would`, () => {
      for (const bad of [NaN, Infinity]) {
        const x = randomUniform(100, 9);
        x[70] = bad;
        const { y } = runStandalone(mode, 'simd', 5, 100, 64, 8, { q16: true, x });
        expect(Array.from(y).every((v) => !Number.isFinite(v))).toBe(true);
      }
    });
  }

  for (const mode of ['int8', 'int4'] as const) {
    it(`${mode}: the SIMD 16-bit layout kernel writes what prepareXq16 writes (within one step at rounding ties)`, () => {
      for (const [inp, g] of [
        [576, 64],
        [256, 128],
        [96, 32],
      ] as const) {
        const l = packedLayout(mode, inp, g);
        const memory = new WebAssembly.Memory({ initial: 4 });
        const k = gemvKernels(memory, 'simd')!;
        const x = randomUniform(inp, inp + g);
        const [xOff, xqOff, xsOff] = [64, 64 + 4 * inp + 64, 64 + 4 * inp + 64 + 2 * l.paddedIn + 64];
        new Float32Array(memory.buffer, xOff, inp).set(x);
        k[`prepare_x16_${mode}`](xOff, xqOff, xsOff, l.groupsPerRow, g);
        const jsCodes = new Int16Array(l.paddedIn);
        const jsScales = new Float32Array(l.groupsPerRow);
        prepareXq16(mode, x, 0, inp, jsCodes, jsScales, l.paddedIn, g);
        const scales = new Float32Array(memory.buffer, xsOff, l.groupsPerRow);
        for (let i = 0; i < l.groupsPerRow; i++)
          expect(Math.abs(scales[i] - jsScales[i])).toBeLessThanOrEqual(1e-7 * jsScales[i]);
        const codes = new Int16Array(memory.buffer, xqOff, l.paddedIn);
        let differ = 0;
        for (let i = 0; i < l.paddedIn; i++) {
          expect(Math.abs(codes[i] - jsCodes[i]), `column slot ${i}`).toBeLessThanOrEqual(1);
          if (codes[i] !== jsCodes[i]) differ++;
        }
        expect(differ).toBeLessThanOrEqual(2);
      }
    });
  }

  it('a shared memory (tfjs threaded build) gets the shared build', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(gemvKernels(memory)?.flavour).toMatch(/relaxed|simd/);
  });
});

describe('QuantMatMul on the wasm backend runs the SIMD kernels for decode', () => {
  const limits = { ...wasmGemvSettings.maxRows };
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
    registerQuantKernels();
    // Every row count below goes through the GEMV with x in f32 too (the product picks the block path from 3–5
    // rows; dequant-wasm.test.ts covers that one).
    wasmGemvSettings.maxRows = { int8: 8, int4: 8, nf4: 8 };
    // Where relaxed SIMD runs, int4 would take x as 8-bit integers: gemv-q8.test.ts covers that path.
    wasmGemvSettings.int4X8 = false;
  });
  afterAll(() => {
    wasmGemvSettings.maxRows = limits;
    wasmGemvSettings.int4X8 = true;
  });

  for (const mode of WASM_GEMV_MODES) {
    // [quantizeX setting, run as a decode step, whether x is quantized]
    const cases: Array<[typeof wasmGemvSettings.quantizeX, boolean, boolean]> = [
      ['generation', false, false],
      ['generation', true, isQ16Mode(mode)],
      ['always', false, isQ16Mode(mode)],
      ['never', true, false],
    ];
    for (const [quantizeX, inGen, quantized] of cases) {
      const where = `quantizeX '${quantizeX}'${inGen ? ' in generation' : ''}`;
      it(`${mode} (${where}): x ${quantized ? 'as 16-bit integers' : 'in f32'}, in place on tfjs-wasm's heap, equal to the JS kernel and the reference`, () => {
        wasmGemvSettings.quantizeX = quantizeX;
        const tol = quantized ? 3e-5 : 1e-5;
        expect(kernelsForBackend(tf.backend())).not.toBeNull();
        let seed = 40;
        for (const { out, inp, g } of SHAPES) {
          const packed = quantize(randomWeight(out * inp, seed), [out, inp], mode, g);
          const bias = randomUniform(out, seed + 2);
          // A few rows (a multiplexed decode) go through the GEMV too: the integer-dot kernels take blocks of up to 4
          // rows (7 = 4 + 3, 5 = 4 + 1), the f32-x one row at a time.
          const m = [1, 3, 4, 7, 5][seed % 5];
          const xv = randomUniform(m * inp, seed++ + 1);
          const l = packedLayout(mode, inp, g);
          const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
          const scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
          const x = tf.tensor2d(xv, [m, inp]);
          const b = tf.tensor1d(bias);
          const attrs = { mode, groupSize: g, inFeatures: inp, outFeatures: out };
          const run = () => tf.engine().runKernel(QUANT_MATMUL, { x, words, scales, bias: b }, attrs) as tf.Tensor;
          const [before, quantizedBefore] = [wasmGemvSettings.calls, wasmGemvSettings.quantizedCalls];
          const ySimd = inGen ? asGeneration(run) : run();
          expect(wasmGemvSettings.calls).toBe(before + 1);
          expect(wasmGemvSettings.quantizedCalls).toBe(quantizedBefore + (quantized ? 1 : 0));
          wasmGemvSettings.enabled = false;
          const yJs = run();
          wasmGemvSettings.enabled = true;
          const ref = refForward(xv, dequantize(packed), m, inp, out, bias);
          expect(maxRelError(ySimd.dataSync(), ref)).toBeLessThan(tol);
          expect(maxRelError(ySimd.dataSync(), yJs.dataSync())).toBeLessThan(tol);
          tf.dispose([words, scales, x, b, ySimd, yJs]);
        }
        wasmGemvSettings.quantizeX = 'generation';
      });
    }
  }
});
