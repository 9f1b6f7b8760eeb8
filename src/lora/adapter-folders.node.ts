/**
 * `--adapter DIR[:WEIGHT]` for the CLI: reads PEFT adapter folders (or .zip files) from disk and stacks them with
 * their weights on one loaded base.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { importPeft } from './peft';
import { unzipFiles } from '../formats/zip';
import { folderFiles } from '../model/folder-files.node.js';
import type { ModelFiles } from '../spec/model-files';
import { InputError } from '../spec/input-error';
import { AdapterStack } from './adapter-stack';
import type { LinearSpec } from './config';
import type { LoraAdapter } from './lora-adapter';

/** A stack plus the adapters it owns (free with `dispose`). */
export interface LoadedAdapters {
  stack: AdapterStack;
  adapters: LoraAdapter[];
  /** Each adapter's `base_model_name_or_path` (null when its config has none), in `specs` order. */
  baseModels: (string | null)[];
  dispose(): void;
}

/** A folder holding adapter_config.json + adapter_model.safetensors, or a .zip of one. */
export async function openAdapterSource(p: string): Promise<ModelFiles> {
  const full = path.resolve(p);
  const info = await stat(full).catch(() => null);
  if (!info) throw new InputError(`${full}: adapter not found`);
  if (info.isDirectory()) return folderFiles(full);
  if (full.endsWith('.zip')) return unzipFiles(new Uint8Array(await readFile(full)), full);
  throw new InputError(`${full}: expected an adapter folder or a .zip of one`);
}

/** Loads every adapter and stacks it with its weight (the same folder twice is loaded twice). */
export async function loadAdapterStack(
  specs: ReadonlyArray<{ dir: string; weight: number }>,
  linears: readonly LinearSpec[],
): Promise<LoadedAdapters> {
  const stack = new AdapterStack();
  const adapters: LoraAdapter[] = [];
  const baseModels: (string | null)[] = [];
  const dispose = () => adapters.forEach((a) => a.dispose());
  try {
    for (const [i, spec] of specs.entries()) {
      const { adapter, baseModel } = await importPeft(await openAdapterSource(spec.dir), linears);
      adapters.push(adapter);
      baseModels.push(baseModel);
      stack.set(`${i}:${spec.dir}`, adapter, spec.weight);
    }
  } catch (e) {
    dispose();
    throw e;
  }
  return { stack, adapters, baseModels, dispose };
}
