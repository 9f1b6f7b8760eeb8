import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../../backend/node';
import { tf } from '../../../backend/tf';
import { dequantize } from '../../dequantize';
import { packedLayout, type GroupSize } from '../../packed';
import { quantize } from '../../quantize';
import { maxRelError, randomUniform, randomWeight, refForward } from '../../synthetic';
import { QUANT_MATMUL } from '../names';
import { registerQuantKernels } from '../register';
import { generatedSource, KERNEL_MODULES } from './assemble.node';
import {
  gemvKernels,
  prepareX,
  relaxedSimdSupported,
  scratchFloats,
  WASM_GEMV_MODES,
  type WasmGemvMode,
} from './gemv-wasm';
import { kernelsForBackend, wasmGemvSettings } from './wasm-gemv-host';

// Off every group: ragged last groups (in 33, 100, 200), odd row counts, each group size.
const SHAPES: { out: number; inp: number; g: GroupSize }[] = [
  { out: 1, inp: 32, g: 32 },
  { out: 17, inp: 33, g: 32 },
  { out: 40, inp: 100, g: 64 },
  { out: 9, inp: 200, g: 128 },
  { out: 64, inp: 576, g: 64 },
];

/** Runs the kernel on its own memory: weight, scales, laid-out x and y copied in at 16-byte-aligned offsets. */
function runStandalone(
  mode: WasmGemvMode,
  flavour: 'relaxed' | 'simd',
  out: number,
  inp: number,
  g: GroupSize,
  seed: number,
) {
  const packed = quantize(randomWeight(out * inp, seed), [out, inp], mode, g);
  const x = randomUniform(inp, seed + 1);
  const l = packedLayout(mode, inp, g);
  const memory = new WebAssembly.Memory({ initial: 64 });
  const k = gemvKernels(memory, flavour);
  if (!k) throw new Error('no SIMD');
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const wOff = 16;
  const sOff = align(wOff + packed.words.byteLength);
  const xOff = align(sOff + packed.scales.byteLength);
  const floats = scratchFloats(mode, l.paddedIn, g);
  const yOff = align(xOff + floats * 4);
  new Uint32Array(memory.buffer, wOff, packed.words.length).set(packed.words);
  new Float32Array(memory.buffer, sOff, packed.scales.length).set(packed.scales);
  prepareX(mode, x, 0, inp, new Float32Array(memory.buffer, xOff, floats), l.paddedIn, g);
  const gemv = k[`gemv_${mode}`];
  gemv(wOff, sOff, xOff, yOff, out, l.rowWords * 4, l.groupsPerRow, (g / l.codesPerWord) * 4, xOff + l.paddedIn * 4);
  const y = new Float32Array(memory.buffer, yOff, out).slice();
  return { y, ref: refForward(x, dequantize(packed), 1, inp, out) };
}

describe('wasm SIMD GEMV kernels', () => {
  it('the committed modules are exactly what their WAT sources assemble to (regenerated with wabt)', async () => {
    expect(KERNEL_MODULES.map((m) => m.constName)).toEqual(['GEMV_MODULES', 'ROWS_MATMUL_MODULES', 'DEQUANT_MODULES']);
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

  it('a shared memory (tfjs threaded build) gets the shared build', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(gemvKernels(memory)?.flavour).toMatch(/relaxed|simd/);
  });
});

describe('QuantMatMul on the wasm backend runs the SIMD kernels for decode', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
    registerQuantKernels();
  });

  for (const mode of WASM_GEMV_MODES) {
    it(`${mode}: in place on tfjs-wasm's heap, equal to the JS kernel and the reference`, () => {
      expect(kernelsForBackend(tf.backend())).not.toBeNull();
      let seed = 40;
      for (const { out, inp, g } of SHAPES) {
        const packed = quantize(randomWeight(out * inp, seed), [out, inp], mode, g);
        const bias = randomUniform(out, seed + 2);
        const m = seed % 2 ? 3 : 1; // a few rows (a multiplexed decode) go through the GEMV too
        const xv = randomUniform(m * inp, seed++ + 1);
        const l = packedLayout(mode, inp, g);
        const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
        const scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
        const x = tf.tensor2d(xv, [m, inp]);
        const b = tf.tensor1d(bias);
        const attrs = { mode, groupSize: g, inFeatures: inp, outFeatures: out };
        const run = () => tf.engine().runKernel(QUANT_MATMUL, { x, words, scales, bias: b }, attrs) as tf.Tensor;
        const before = wasmGemvSettings.calls;
        const ySimd = run();
        expect(wasmGemvSettings.calls).toBe(before + 1);
        wasmGemvSettings.enabled = false;
        const yJs = run();
        wasmGemvSettings.enabled = true;
        const ref = refForward(xv, dequantize(packed), m, inp, out, bias);
        expect(maxRelError(ySimd.dataSync(), ref)).toBeLessThan(1e-5);
        expect(maxRelError(ySimd.dataSync(), yJs.dataSync())).toBeLessThan(1e-5);
        tf.dispose([words, scales, x, b, ySimd, yJs]);
      }
    });
  }
});
