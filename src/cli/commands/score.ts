/**
 * `score --model DIR [--quant f32|f16|int8|int4|nf4] (--ids 1,2,3 | --text STR) [--adapter DIR[:W]]...
 *  [--group-size 32|64|128] [--embeddings f32|f16] [--backend wasm|cpu]`
 * Prints exactly one JSON line `{"ids":[...],"logprobs":[null, lp1, ...]}`: natural-log probability of each token
 * given the ones before it. Default storage is f32 so scores are exact; packed modes use src/quant's kernels.
 */
import { initNodeBackend, type NodeBackendName } from '../../backend/node';
import { CheckpointError } from '../../model/checkpoint';
import { ModelConfigError } from '../../model/config';
import { openModelFolder } from '../../model/folder-files.node.js';
import type { LinearFactory } from '../../model/linear';
import type { QuantMode } from '../../spec/modules';
import { loadModel } from '../../model/load';
import type { ModelFiles } from '../../spec/model-files';
import { SafetensorsError } from '../../formats/safetensors';
import { createLinearFactory } from '../../model/linear-factory';
import type { GroupSize } from '../../quant/packed';
import { loadTokenizer } from '../../tokenizer/load';
import type { LoadedAdapters } from '../../lora/adapter-folders.node.js';
import { CliError, flag, parseFlags, requiredFlag, type CliCommand } from '../command';
import { loadAdapterFlags, parseAdapterFlags } from './adapter-flags';

const QUANT_MODES: readonly QuantMode[] = ['f32', 'f16', 'int8', 'int4', 'nf4'];

/** Re-throws user-facing engine errors (bad files, bad config) as CliError so they print without a stack. */
export function asCliError(e: unknown): never {
  const err = e as Error;
  if (err instanceof ModelConfigError || err instanceof CheckpointError || err instanceof SafetensorsError) {
    throw new CliError(err.message);
  }
  if (/: (model folder not found|not a folder|file not found|missing)/.test(err.message))
    throw new CliError(err.message);
  throw err;
}

/** A non-fatal problem, on stderr. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** `--model DIR`, required, opened as a ModelFiles. */
export async function modelFolderFlag(flags: Map<string, string[]>): Promise<ModelFiles> {
  return openModelFolder(requiredFlag(flags, 'model', 'DIR')).catch(asCliError);
}

/** `--quant` (default `fallback`) and `--group-size` → a LinearFactory (undefined = exact f32 DenseLinear). */
export function quantFlags(
  flags: Map<string, string[]>,
  fallback: QuantMode,
): { mode: QuantMode; factory?: LinearFactory } {
  const mode = flag(flags, 'quant', fallback) as QuantMode;
  if (!QUANT_MODES.includes(mode))
    throw new CliError(`--quant must be one of ${QUANT_MODES.join(', ')}; got '${mode}'`);
  const groupSize = Number(flag(flags, 'group-size', '64'));
  if (![32, 64, 128].includes(groupSize))
    throw new CliError(`--group-size must be 32, 64 or 128; got '${flag(flags, 'group-size')}'`);
  if (mode === 'f32') return { mode };
  return { mode, factory: createLinearFactory(mode, { groupSize: groupSize as GroupSize }) };
}

function parseIds(text: string): number[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const ids = parts.map(Number);
  const bad = parts.find((p, i) => !Number.isInteger(ids[i]) || ids[i] < 0);
  if (bad !== undefined || ids.length === 0)
    throw new CliError(`--ids must be comma-separated non-negative integers; got '${text}'`);
  return ids;
}

async function resolveIds(flags: Map<string, string[]>, files: ModelFiles): Promise<number[]> {
  const idsFlag = flag(flags, 'ids');
  const text = flag(flags, 'text');
  if ((idsFlag === undefined) === (text === undefined))
    throw new CliError('pass exactly one of --ids 1,2,3 or --text STR');
  if (idsFlag !== undefined) return parseIds(idsFlag);
  const tokenizer = await loadTokenizer(files).catch((e: Error) => {
    throw new CliError(e.message);
  });
  // encode() adds the special tokens the tokenizer's post-processor adds (e.g. BOS), as HF does by default.
  return tokenizer.encode(text ?? '');
}

export const scoreCommand: CliCommand = {
  summary: 'per-token log-probabilities of a sequence, as one JSON line',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const files = await modelFolderFlag(flags);
    const { factory } = quantFlags(flags, 'f32');
    const adapterSpecs = parseAdapterFlags(flags);
    const ids = await resolveIds(flags, files);
    await initNodeBackend((flag(flags, 'backend', 'wasm') as NodeBackendName) ?? 'wasm');
    const embeddings = flag(flags, 'embeddings', 'f32');
    if (embeddings !== 'f32' && embeddings !== 'f16')
      throw new CliError(`--embeddings must be f32 or f16; got '${embeddings}'`);
    const model = await loadModel(files, { linearFactory: factory, embeddings, onWarning: warn }).catch(asCliError);
    let adapters: LoadedAdapters | null = null;
    try {
      adapters = await loadAdapterFlags(adapterSpecs, model);
      if (ids.some((id) => id >= model.config.vocab)) {
        throw new CliError(`token id ${Math.max(...ids)} is outside the model's vocabulary (${model.config.vocab})`);
      }
      const logprobs = await model.logProbs(ids, { hook: adapters?.stack ?? null });
      process.stdout.write(JSON.stringify({ ids, logprobs }) + '\n');
      return 0;
    } finally {
      adapters?.dispose();
      model.dispose();
    }
  },
};
