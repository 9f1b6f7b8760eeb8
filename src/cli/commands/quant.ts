/**
 * `npm run -s cli -- quant [--mode int4] [--group-size 64] [--shape OUTxIN] [--rows 1,256] [--reps 20]
 *  [--backend wasm|cpu|webgpu] [--gpu system|swiftshader]`: benchmarks one quantized layer against tfjs's f32
 * matMul and prints one JSON object (bytes, output error, ms per call, speed-up per row count). With
 * `--backend webgpu` the WGSL kernels run on Dawn (`--gpu system`: the machine's Vulkan driver; default
 * swiftshader, the software rasterizer).
 */
import { initNodeBackend, type NodeBackendName } from '../../backend/node';
import { CliError, flag, parseFlags, type CliCommand } from '../command';
import type { QuantMode } from '../../spec/modules';
import { benchQuantLinear } from './quant-bench';
import { GROUP_SIZES, type GroupSize } from '../../quant/packed';
import { initDawnWebGpu } from '../../quant/webgpu-dawn.node.js';

const MODES: QuantMode[] = ['f32', 'f16', 'int8', 'int4', 'nf4'];

function parsePositiveList(text: string, name: string, sep: string): number[] {
  const values = text.split(sep).map(Number);
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new CliError(`--${name} must be positive integers separated by '${sep}', got '${text}'`);
  return values;
}

export const quantCommand: CliCommand = {
  summary: 'benchmark one quantized layer (bytes, error, ms) against f32 matMul',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const mode = flag(flags, 'mode', 'int4') as QuantMode;
    if (!MODES.includes(mode)) throw new CliError(`--mode must be one of ${MODES.join(', ')}`);
    const groupSize = Number(flag(flags, 'group-size', '64')) as GroupSize;
    if (!GROUP_SIZES.includes(groupSize)) throw new CliError(`--group-size must be one of ${GROUP_SIZES.join(', ')}`);
    const shape = parsePositiveList(flag(flags, 'shape', '2048x2048') ?? '', 'shape', 'x');
    if (shape.length !== 2) throw new CliError('--shape must be OUTxIN, e.g. 2048x2048');
    const rows = parsePositiveList(flag(flags, 'rows', '1,256') ?? '', 'rows', ',');
    const reps = parsePositiveList(flag(flags, 'reps', '20') ?? '', 'reps', ',')[0];
    const backend = flag(flags, 'backend', 'wasm');
    let device = 'cpu';
    if (backend === 'webgpu') {
      const icd = flag(flags, 'gpu', 'swiftshader');
      if (icd !== 'system' && icd !== 'swiftshader') throw new CliError('--gpu must be system or swiftshader');
      device = await initDawnWebGpu({ driver: icd });
    } else if (backend === 'wasm' || backend === 'cpu') {
      const got = await initNodeBackend(backend as NodeBackendName);
      if (got !== backend) throw new CliError(`backend ${backend} is not available here (got ${got})`);
    } else {
      throw new CliError('--backend must be wasm, cpu or webgpu');
    }
    const result = await benchQuantLinear({ mode, groupSize, outFeatures: shape[0], inFeatures: shape[1], rows, reps });
    process.stdout.write(JSON.stringify({ ...result, device }) + '\n');
    return 0;
  },
};
