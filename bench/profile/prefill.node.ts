/**
 * One prompt's prefill on wasm (Node, 1 thread) as `generate` runs it: a real-shape checkpoint (scripts/real-shapes,
 * default smollm2-135m), `--tokens` prompt ids through the model into a KV cache inside generation, the LM head on
 * the last row, one read-back. Prints per base mode the wall time (min / median of `--runs`) and a `tf.profile` of
 * one run by kernel name (matMuls by operand shapes, `kernel-table.ts`). With `--ab causal`, `lanes` or `rope` each timed run alternates
 * the causal query chunks (src/model/attention.ts), the 4-row lane-fold kernel (`wasmGemvSettings.x8Lanes`) or the
 * one-kernel RoPE (`ropeKernelSettings`) off and on, and both are printed.
 * Run: `npx tsx bench/profile/prefill.node.ts [--model smollm2-135m] [--modes int4,int8,f32] [--tokens 512]
 *   [--runs 5] [--relaxed-simd] [--ab causal|lanes|rope]`.
 */
import { asGeneration } from '../../src/backend/generation-scope';
import { initNodeBackend } from '../../src/backend/node';
import { tf, type Tensor2D, type Tensor3D } from '../../src/backend/tf';
import type { DecoderModel, QuantMode } from '../../src/model';
import { causalChunkSettings } from '../../src/model/attention';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { createLinearFactory } from '../../src/model/linear-factory';
import { loadModel } from '../../src/model/load';
import { ropeKernelSettings } from '../../src/backend/kernels/rope-wasm';
import { enableRelaxedSimd } from '../../src/quant/kernels/wasm/relaxed-simd.node.js';
import { wasmGemvSettings } from '../../src/quant/kernels/wasm/wasm-gemv-host';
import { ensureRealShapes } from '../../scripts/real-shapes/real-shapes';
import { kernelTable, printKernelTable } from './kernel-table';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The prompt through the model into a fresh cache, the head on its last row, the argmax read back. */
async function prefill(model: DecoderModel, ids: Int32Array): Promise<void> {
  const cache = model.createCache(1, ids.length + 1);
  const out = asGeneration(() =>
    tf.tidy(() => {
      const input = tf.tensor2d(ids, [1, ids.length], 'int32') as Tensor2D; // [1, tokens]
      const h = model.hiddenStates(input, { cache }); // [1, tokens, hidden]
      const last = h.slice([0, ids.length - 1, 0], [1, 1, -1]) as Tensor3D; // [1, 1, hidden]
      return model.logits(last).reshape([-1]).argMax(); // scalar
    }),
  );
  await out.data();
  out.dispose();
  cache.dispose();
}

/** The switch `--ab` names, set to `on`. */
function setSwitch(which: string, on: boolean): void {
  if (which === 'causal') causalChunkSettings.rows = on ? 128 : Infinity;
  if (which === 'lanes') wasmGemvSettings.x8Lanes = on;
  if (which === 'rope') ropeKernelSettings.enabled = on;
}

const fmt = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `min ${s[0].toFixed(0)} ms, median ${s[Math.floor(s.length / 2)].toFixed(0)} ms`;
};

async function main(): Promise<void> {
  if (process.argv.includes('--relaxed-simd') && !enableRelaxedSimd()) throw new Error('no relaxed SIMD here');
  await initNodeBackend('wasm');
  const name = arg('model', 'smollm2-135m');
  const files = folderFiles(await ensureRealShapes(name));
  const tokens = Number(arg('tokens', '512'));
  const runs = Number(arg('runs', '5'));
  const ab = arg('ab', '');
  for (const mode of arg('modes', 'int4,f32').split(',') as QuantMode[]) {
    const model = await loadModel(files, { linearFactory: createLinearFactory(mode) });
    const ids = Int32Array.from({ length: tokens }, (_, i) => (i * 7919 + 11) % model.config.vocab);
    await prefill(model, ids); // warm-up: kernels compiled, heap grown
    const arms = ab ? [false, true] : [true];
    const ms = arms.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) {
      for (const [k, on] of arms.entries()) {
        if (ab) setSwitch(ab, on);
        const t0 = performance.now();
        await prefill(model, ids);
        ms[k].push(performance.now() - t0);
      }
    }
    if (ab) setSwitch(ab, true);
    const line = arms.map((on, k) => `${ab ? `${ab} ${on ? 'on' : 'off'}: ` : ''}${fmt(ms[k])}`).join('; ');
    console.log(`\n${name} ${mode}, ${tokens}-token prompt: ${line}`);
    printKernelTable((await kernelTable(() => prefill(model, ids))).rows, 12);
    model.dispose();
  }
}

void main();
