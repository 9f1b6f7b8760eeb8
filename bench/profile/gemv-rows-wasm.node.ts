/**
 * The integer-dot kernels (x quantized, blocks of up to 4 rows) against the exact paths as the row count M grows,
 * at SmolLM2-135M's MLP shapes on the wasm backend: ns per multiply-add of QuantMatMul through runKernel, best of
 * 5 runs of `calls` calls. The exact side is what runs outside generation: the f32-x GEMV up to
 * `wasmGemvSettings.maxRows` rows, then W decoded into blocks for XNNPACK. Sets where `quantizedMaxRows` should be.
 * Run: `nice -n 19 npx tsx bench/profile/gemv-rows-wasm.node.ts`.
 */
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import { packedLayout } from '../../src/quant/packed';
import { quantize } from '../../src/quant/quantize';
import { randomUniform, randomWeight } from '../../src/quant/synthetic';
import { QUANT_MATMUL } from '../../src/quant/kernels/names';
import { registerQuantKernels } from '../../src/quant/kernels/register';
import { wasmGemvSettings } from '../../src/quant/kernels/wasm/wasm-gemv-host';

const SHAPES: Array<[number, number]> = [
  [1536, 576],
  [576, 1536],
];
const ROWS = [1, 2, 4, 8, 16, 32, 64, 128];

function bestNsPerMac(fn: () => tf.Tensor, macs: number): number {
  const calls = Math.max(2, Math.round(2e8 / macs));
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn().dispose();
    best = Math.min(best, (performance.now() - t0) / calls);
  }
  return (best * 1e6) / macs;
}

async function main(): Promise<void> {
  await initNodeBackend('wasm');
  registerQuantKernels();
  wasmGemvSettings.quantizedMaxRows = Infinity;
  console.log('| shape [out, in] | mode | M | x quantized ns/MAC | exact path ns/MAC | exact ÷ quantized |');
  console.log('|---|---|---|---|---|---|');
  for (const [out, inp] of SHAPES) {
    const wf = randomWeight(out * inp, 1);
    for (const mode of ['int4', 'int8'] as const) {
      const packed = quantize(wf, [out, inp], mode, 64);
      const l = packedLayout(mode, inp, 64);
      const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
      const scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
      const attrs = { mode, groupSize: 64, inFeatures: inp, outFeatures: out };
      for (const m of ROWS) {
        const x = tf.tensor2d(randomUniform(m * inp, m), [m, inp]);
        const run = () => tf.engine().runKernel(QUANT_MATMUL, { x, words, scales }, attrs) as tf.Tensor;
        wasmGemvSettings.quantizeX = 'always';
        const q = bestNsPerMac(run, m * out * inp);
        wasmGemvSettings.quantizeX = 'never';
        const exact = bestNsPerMac(run, m * out * inp);
        wasmGemvSettings.quantizeX = 'generation';
        console.log(
          `| [${out}, ${inp}] | ${mode} | ${m} | ${q.toFixed(4)} | ${exact.toFixed(4)} | ${(exact / q).toFixed(2)}× |`,
        );
        x.dispose();
      }
      tf.dispose([words, scales]);
    }
  }
}

void main();
