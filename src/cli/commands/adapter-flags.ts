/**
 * `--adapter DIR[:WEIGHT]` (repeatable) for `score` and `generate`: PEFT folders or .zip files stacked on the loaded
 * base with their weights, y = W·x + Σ wᵢ·scaleᵢ·Bᵢ·Aᵢ·x.
 */
import { PeftFormatError } from '../../lora/peft';
import { loadAdapterStack, type LoadedAdapters } from '../../lora/adapter-folders.node.js';
import { specsOf } from '../../lora/config';
import type { DecoderModel } from '../../model/llama';
import { CliError } from '../command';

/** One `--adapter DIR[:WEIGHT]` (weight defaults to 1 and may be negative). */
export interface AdapterSpec {
  dir: string;
  weight: number;
}

/** Parses every `--adapter` flag. */
export function parseAdapterFlags(flags: Map<string, string[]>): AdapterSpec[] {
  return (flags.get('adapter') ?? []).map((value) => {
    const m = /^(.*?)(?::(-?\d+(?:\.\d+)?(?:e-?\d+)?))?$/i.exec(value);
    if (!m || !m[1] || m[1] === 'true') throw new CliError(`--adapter must be DIR or DIR:WEIGHT; got '${value}'`);
    const weight = m[2] === undefined ? 1 : Number(m[2]);
    // 1e999 parses to Infinity, which would turn every merged weight into Inf/NaN.
    if (!Number.isFinite(weight))
      throw new CliError(`--adapter weight must be a finite number; got '${m[2]}' in '${value}'`);
    return { dir: m[1], weight };
  });
}

/** Loads the adapters onto `model`; null when none were asked for. Errors (missing, wrong base) become CliErrors. */
export async function loadAdapterFlags(
  specs: readonly AdapterSpec[],
  model: DecoderModel,
): Promise<LoadedAdapters | null> {
  if (specs.length === 0) return null;
  return loadAdapterStack(specs, specsOf(model.linears())).catch((e: Error) => {
    throw e instanceof PeftFormatError ||
      /adapter not found|expected an adapter folder|not a readable zip|safetensors/i.test(e.message)
      ? new CliError(e.message)
      : e;
  });
}
