/**
 * ns per weight of one decode GEMV (M = 1) on the wasm backend at SmolLM2-135M's shapes: our SIMD kernels
 * (src/quant/kernels/wasm; int8/int4 with x as 16-bit integers, 'q16', and in f32) against the JS kernel they replace and tfjs-wasm's f32 matMul (XNNPACK) on the same
 * weight in float. Best of 7 runs of 20 calls each (the machine is shared; the minimum is the least disturbed).
 * Run: `nice -n 19 npx tsx bench/profile/gemv-wasm.node.ts`.
 */
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import { packedLayout } from '../../src/quant/packed';
import { quantize } from '../../src/quant/quantize';
import { randomUniform, randomWeight } from '../../src/quant/synthetic';
import { QUANT_MATMUL } from '../../src/quant/kernels/names';
import { registerQuantKernels } from '../../src/quant/kernels/register';
import { kernelsForBackend, wasmGemvSettings } from '../../src/quant/kernels/wasm/wasm-gemv-host';

/** [out, in] of SmolLM2-135M's projections: q/o, k/v, gate/up, down, and the tied LM head. */
const SHAPES: Array<[number, number]> = [
  [576, 576],
  [192, 576],
  [1536, 576],
  [576, 1536],
  [49152, 576],
];

function bestNsPerWeight(fn: () => tf.Tensor, weights: number): number {
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) fn().dispose();
    best = Math.min(best, (performance.now() - t0) / 20);
  }
  return (best * 1e6) / weights;
}

await initNodeBackend('wasm');
registerQuantKernels();
console.log(`kernels: ${kernelsForBackend(tf.backend())?.flavour ?? 'none'}`);
console.log('| shape | mode | SIMD q16 ns/w | SIMD f32-x ns/w | JS kernel ns/w | tfjs f32 matMul ns/w |');
console.log('|---|---|---|---|---|---|');
for (const [out, inp] of SHAPES) {
  const wf = randomWeight(out * inp, 1);
  const x = tf.tensor2d(randomUniform(inp, 2), [1, inp]);
  const wT = tf.tensor2d(wf, [out, inp]).transpose(); // [in, out]: the untransposed form XNNPACK serves
  const f32 = bestNsPerWeight(() => tf.matMul(x, wT), out * inp);
  for (const mode of ['int4', 'int8', 'nf4'] as const) {
    const packed = quantize(wf, [out, inp], mode, 64);
    const l = packedLayout(mode, inp, 64);
    const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
    const scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
    const attrs = { mode, groupSize: 64, inFeatures: inp, outFeatures: out };
    const run = () => tf.engine().runKernel(QUANT_MATMUL, { x, words, scales }, attrs) as tf.Tensor;
    wasmGemvSettings.quantizeX = 'always';
    const simd = bestNsPerWeight(run, out * inp);
    wasmGemvSettings.quantizeX = 'never';
    const simdF32 = bestNsPerWeight(run, out * inp);
    wasmGemvSettings.quantizeX = 'generation';
    wasmGemvSettings.enabled = false;
    const js = bestNsPerWeight(run, out * inp);
    wasmGemvSettings.enabled = true;
    console.log(
      `| [${out}, ${inp}] | ${mode} | ${simd.toFixed(3)} | ${simdF32.toFixed(3)} | ${js.toFixed(3)} | ${f32.toFixed(3)} |`,
    );
    tf.dispose([words, scales]);
  }
  tf.dispose([x, wT]);
}
