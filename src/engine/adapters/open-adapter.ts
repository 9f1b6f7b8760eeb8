/**
 * Saved adapters → `LoraAdapter`s on the loaded base. A stored adapter is its PEFT files (record.config is
 * adapter_config.json, the `weights` part is adapter_model.safetensors), so opening one is a PEFT import checked
 * against the base's linear shapes: an adapter trained for another model fails with a message saying so.
 */
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, importPeft } from '../../lora/peft';
import { specsOf } from '../../lora/config';
import type { LoraAdapter } from '../../lora/lora-adapter';
import { memoryFiles } from '../../formats/memory-files';
import { InvalidRequestError } from '../../spec/errors';
import { getAdapter, type StudioDb } from '../../storage';
import type { AdapterRecord } from '../../spec/records';
import type { EngineSession, LoadedModel } from '../session';

/** The PEFT folder of a stored adapter, as `ModelFiles`. */
export function storedPeftFiles(record: AdapterRecord, weights: Uint8Array) {
  return memoryFiles(
    { [ADAPTER_CONFIG_FILE]: JSON.stringify(record.config, null, 2) + '\n', [ADAPTER_WEIGHTS_FILE]: weights },
    record.name,
  );
}

/** Linear specs of the loaded base, for PEFT import and merges. */
export function baseSpecs(loaded: LoadedModel) {
  return specsOf(loaded.model.linears());
}

/** Reads a stored adapter; a user-facing error when it is gone. */
export async function readStoredAdapter(
  db: StudioDb,
  id: string,
): Promise<{ record: AdapterRecord; weights: Uint8Array }> {
  const stored = await getAdapter(db, id);
  if (!stored) throw new InvalidRequestError(`No saved adapter with id '${id}' (it may have been deleted).`);
  return stored;
}

/** The adapter `id` on the session's base, opened from storage on first use (the session owns it). */
export async function openAdapter(
  session: EngineSession,
  db: () => Promise<StudioDb>,
  id: string,
): Promise<LoraAdapter> {
  const open = session.adapters.get(id);
  if (open) return open;
  const loaded = session.requireModel();
  const { record, weights } = await readStoredAdapter(await db(), id);
  const { adapter } = await importPeft(storedPeftFiles(record, weights), baseSpecs(loaded));
  session.putAdapter(id, adapter);
  return adapter;
}
