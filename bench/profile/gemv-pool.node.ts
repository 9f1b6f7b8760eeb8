/**
 * Our int4 GEMV (x quantized, 1 row) on one thread against the same calls split across a kernel pool of 2
 * threads (backend/kernels/kernel-pool.ts) on a shared memory, at SmolLM2-135M's shapes: µs per call, best of 7
 * runs of 200 calls, alternated. What the browser's threaded build gets from a second core in decode.
 * Run: `npx tsx bench/profile/gemv-pool.node.ts` (needs an idle second core to mean anything).
 */
import { splitRange } from '../../src/backend/kernels/kernel-pool';
import { startKernelPool } from '../../src/backend/kernels/kernel-pool-start';
import { nodeWorkerSpawner } from '../../src/backend/kernels/node-worker-spawner.node.js';
import { packedLayout } from '../../src/quant/packed';
import { quantize } from '../../src/quant/quantize';
import { randomUniform, randomWeight } from '../../src/quant/synthetic';
import { gemvKernels, prepareXq16, type GemvKernels } from '../../src/quant/kernels/wasm/gemv-wasm';

const SHAPES: Array<[number, number]> = [
  [576, 576],
  [1536, 576],
  [576, 1536],
  [49152, 576],
];

async function main(): Promise<void> {
  const memory = new WebAssembly.Memory({ initial: 2048, maximum: 4096, shared: true });
  const k = gemvKernels(memory) as GemvKernels;
  const started = await startKernelPool(memory, { threads: 2, spawn: nodeWorkerSpawner });
  const pool = k.pool!;
  console.log('| shape [out, in] | 1 thread µs | 2 threads µs | speed-up |');
  console.log('|---|---|---|---|');
  for (const [out, inp] of SHAPES) {
    const packed = quantize(randomWeight(out * inp, 1), [out, inp], 'int4', 64);
    const l = packedLayout('int4', inp, 64);
    const [wOff, sOff, xOff, yOff] = [1 << 16, 1 << 25, 1 << 26, (1 << 26) + (1 << 16)];
    const xsOff = xOff + l.paddedIn * 2;
    new Uint32Array(memory.buffer, wOff, packed.words.length).set(packed.words);
    new Float32Array(memory.buffer, sOff, packed.scales.length).set(packed.scales);
    const xq = new Int16Array(memory.buffer, xOff, l.paddedIn);
    prepareXq16(
      'int4',
      randomUniform(inp, 2),
      0,
      inp,
      xq,
      new Float32Array(memory.buffer, xsOff, l.groupsPerRow),
      l.paddedIn,
      64,
    );
    const tail = [l.rowWords * 4, l.groupsPerRow, 32, xsOff, 0, 0, out * 4];
    const slices = splitRange(out, 2).map(([o0, o1]) => ({
      fn: 'gemv_int4_q16_g64_r1',
      args: [wOff + o0 * l.rowWords * 4, sOff + o0 * l.groupsPerRow * 4, xOff, yOff + o0 * 4, o1 - o0, ...tail],
    }));
    const one = () =>
      k.gemv_int4_q16_g64_r1(
        wOff,
        sOff,
        xOff,
        yOff,
        out,
        ...(tail as [number, number, number, number, number, number, number]),
      );
    const two = () => pool.run(slices);
    const best = [Infinity, Infinity];
    const calls = out > 10000 ? 20 : 200;
    for (let r = 0; r < 7; r++)
      [one, two].forEach((f, i) => {
        const t0 = performance.now();
        for (let c = 0; c < calls; c++) f();
        best[i] = Math.min(best[i], ((performance.now() - t0) * 1000) / calls);
      });
    console.log(
      `| [${out}, ${inp}] | ${best[0].toFixed(1)} | ${best[1].toFixed(1)} | ${(best[0] / best[1]).toFixed(2)}× |`,
    );
  }
  started?.dispose();
}

void main();
