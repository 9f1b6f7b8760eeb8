/**
 * `merge --model DIR --adapter DIR[:WEIGHT]... --out DIR [--method cat|svd] [--rank R] [--dtype F32|F16|BF16]
 *  [--llama-cpp]`
 * Combines LoRA adapters of one base into a new PEFT adapter, like PEFT's `add_weighted_adapter`: `cat` stacks the
 * factors (exact, rank = Σ rᵢ), `svd` re-factorises Σ wᵢ·scaleᵢ·Bᵢ·Aᵢ to `--rank` (default: the largest input
 * rank). Only the base's config.json is read (for module shapes); its weights are not loaded.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initNodeBackend } from '../../backend/node';
import { exportPeft } from '../../lora/peft';
import type { FloatDtype } from '../../formats/safetensors';
import { loadAdapterStack } from '../../lora/adapter-folders.node.js';
import type { LinearSpec } from '../../lora/config';
import { mergeConcat, mergeSvd } from '../../lora/merge';
import { loadModelConfig } from '../../model/config';
import { layerLinearShapes } from '../../model/memory-estimate';
import { linearPath } from '../../model/weights';
import { CliError, flag, parseFlags, requiredFlag, type CliCommand } from '../command';
import { parseAdapterFlags } from './adapter-flags';
import { asCliError, modelFolderFlag, warn } from './score';

/**
 * `--out` must be a new or empty folder: merging over an existing adapter would silently replace it, and a file
 * there would fail only after the merge was computed.
 */
async function checkNewOutFolder(out: string): Promise<void> {
  const info = await stat(out).catch(() => null);
  if (!info) return;
  if (!info.isDirectory()) throw new CliError(`--out ${out} is a file; give a new folder for the merged adapter`);
  if ((await readdir(out)).length > 0)
    throw new CliError(`--out ${out} already exists and is not empty; give a new folder (nothing was overwritten)`);
}

export const mergeCommand: CliCommand = {
  summary: 'merge LoRA adapters (weighted) into one PEFT adapter by concatenation or SVD',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const out = requiredFlag(flags, 'out', 'DIR');
    const method = flag(flags, 'method', 'cat');
    if (method !== 'cat' && method !== 'svd') throw new CliError(`--method must be cat or svd; got '${method}'`);
    const specs = parseAdapterFlags(flags);
    if (specs.length === 0) throw new CliError('pass at least one --adapter DIR[:WEIGHT]');
    const dtype = flag(flags, 'dtype', 'F32')!.toUpperCase() as FloatDtype;
    if (!['F32', 'F16', 'BF16'].includes(dtype)) throw new CliError(`--dtype must be F32, F16 or BF16; got '${dtype}'`);
    await checkNewOutFolder(out);
    const files = await modelFolderFlag(flags);
    const config = await loadModelConfig(files, warn).catch(asCliError);
    const linears: LinearSpec[] = [];
    for (let i = 0; i < config.layers; i++) {
      for (const l of layerLinearShapes(config))
        linears.push({ path: linearPath(i, l.name), inFeatures: l.shape[1], outFeatures: l.shape[0] });
    }
    await initNodeBackend('cpu');
    const loaded = await loadAdapterStack(specs, linears).catch((e: Error) => {
      throw new CliError(e.message);
    });
    const bases = [...new Set(loaded.baseModels.filter((b): b is string => b !== null))];
    if (bases.length > 1) {
      // Same shapes, different bases: the sum is well defined but means little (PEFT merges per base model).
      warn(
        `the adapters were trained on different base models (${bases.join(', ')}); the merge is only meaningful for one base`,
      );
    }
    try {
      const inputs = loaded.stack.list().map(({ adapter, weight }) => ({ adapter, weight }));
      const maxRank = Math.max(...loaded.adapters.flatMap((a) => [...a.modules.values()].map((m) => m.rank)));
      const rank = Number(flag(flags, 'rank', String(maxRank)));
      if (!Number.isInteger(rank) || rank <= 0)
        throw new CliError(`--rank must be a positive integer; got '${flag(flags, 'rank')}'`);
      const merged = method === 'cat' ? await mergeConcat(inputs, linears) : await mergeSvd(inputs, rank, linears);
      try {
        const written = await exportPeft(merged, {
          baseModel: path.resolve(flag(flags, 'model')!),
          dtype,
          llamaCpp: flags.has('llama-cpp'),
        });
        await mkdir(out, { recursive: true });
        for (const [name, bytes] of Object.entries(written)) await writeFile(path.join(out, name), bytes);
        process.stdout.write(
          JSON.stringify({
            method,
            modules: merged.modules.size,
            rank: merged.config.rank,
            parameters: merged.parameterCount(),
            out: path.resolve(out),
          }) + '\n',
        );
        return 0;
      } finally {
        merged.dispose();
      }
    } finally {
      loaded.dispose();
    }
  },
};
