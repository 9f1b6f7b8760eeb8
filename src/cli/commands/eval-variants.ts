/**
 * The variants of `eval`: the base, each `--adapter DIR[:W]` alone, and each `--mix NAME=DIR:W,DIR:W` (a weighted
 * stack of adapters). Every folder is read once, whatever number of variants use it.
 */
import { importPeft, PeftFormatError } from '../../lora/peft';
import { AdapterStack } from '../../lora/adapter-stack';
import { openAdapterSource } from '../../lora/adapter-folders.node.js';
import { specsOf } from '../../lora/config';
import type { LoraAdapter } from '../../lora/lora-adapter';
import type { DecoderModel } from '../../model/llama';
import type { EvalVariant } from '../../eval/evaluate';
import { CliError } from '../command';
import { parseAdapterFlags, type AdapterSpec } from './adapter-flags';

/** A variant as asked on the command line: its name and (dir, weight) entries (none for the base). */
export interface VariantSpec {
  name: string;
  entries: AdapterSpec[];
}

function parseMix(value: string): VariantSpec {
  const eq = value.indexOf('=');
  const name = eq > 0 ? value.slice(0, eq).trim() : '';
  const parts =
    eq > 0
      ? value
          .slice(eq + 1)
          .split(',')
          .filter(Boolean)
      : [];
  if (!name || parts.length === 0) throw new CliError(`--mix must be NAME=DIR:W,DIR:W; got '${value}'`);
  const entries = parts.map((p) => {
    const m = /^(.+):(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/i.exec(p);
    if (!m) throw new CliError(`--mix ${name}: each part must be DIR:WEIGHT; got '${p}'`);
    return { dir: m[1], weight: Number(m[2]) };
  });
  return { name, entries };
}

/** Base first, then the adapters in the order given, then the mixes. */
export function parseVariantFlags(flags: Map<string, string[]>): VariantSpec[] {
  const adapters = parseAdapterFlags(flags).map((a, i) => ({ name: flags.get('adapter')![i], entries: [a] }));
  const mixes = (flags.get('mix') ?? []).map(parseMix);
  const all = [{ name: 'base', entries: [] }, ...adapters, ...mixes];
  const seen = new Set<string>();
  for (const v of all) {
    if (seen.has(v.name)) throw new CliError(`two variants are named '${v.name}'; give each --mix a distinct NAME`);
    seen.add(v.name);
  }
  return all;
}

/** The variants with their hooks on `model`, and a dispose for the adapters they read. */
export async function loadVariants(
  specs: readonly VariantSpec[],
  model: DecoderModel,
): Promise<{ variants: EvalVariant[]; dispose(): void }> {
  const linears = specsOf(model.linears());
  const byDir = new Map<string, LoraAdapter>();
  const dispose = () => byDir.forEach((a) => a.dispose());
  try {
    const variants = [];
    for (const spec of specs) {
      if (spec.entries.length === 0) {
        variants.push({ name: spec.name, hook: null });
        continue;
      }
      const stack = new AdapterStack();
      for (const [i, e] of spec.entries.entries()) {
        let adapter = byDir.get(e.dir);
        if (!adapter) {
          adapter = (await importPeft(await openAdapterSource(e.dir), linears)).adapter;
          byDir.set(e.dir, adapter);
        }
        stack.set(`${i}:${e.dir}`, adapter, e.weight);
      }
      variants.push({ name: spec.name, hook: stack });
    }
    return { variants, dispose };
  } catch (e) {
    dispose();
    const err = e as Error;
    throw err instanceof PeftFormatError ||
      /adapter not found|expected an adapter folder|not a readable zip|safetensors/i.test(err.message)
      ? new CliError(err.message)
      : err;
  }
}
