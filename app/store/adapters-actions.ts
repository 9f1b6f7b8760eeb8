/**
 * Adapters section actions: list, rename, duplicate, delete, download (a PEFT zip), import a
 * PEFT folder or zip, merge. The worker builds the files; the page only wraps the returned buffers in Blobs.
 */
import type { NamedBlob } from '../../src/protocol/model-types';
import { saveBlob } from '../download';
import { getEngine } from '../engine';
import { useStudio } from './index';
import { errorText } from './job-progress';

const state = () => useStudio.getState();
const patch = (p: Parameters<ReturnType<typeof state>['patchAdapters']>[0]) => state().patchAdapters(p);

/** Reloads the library from IndexedDB (through the engine worker). */
export async function refreshAdapters(): Promise<void> {
  try {
    const list = await getEngine().request('listAdapters', {});
    const ids = new Set(list.map((a) => a.id));
    patch({ list, loaded: true, selected: state().adapters.selected.filter((id) => ids.has(id)) });
    const mix = state().generate.mix;
    if (mix.some((m) => !ids.has(m.id))) state().patchGenerate({ mix: mix.filter((m) => ids.has(m.id)) });
  } catch (e) {
    patch({ error: errorText(e), loaded: true });
  }
}

/** Runs one library action: busy text while it runs, then its notice or error, then a fresh library. */
export async function run(busy: string, work: () => Promise<string | null>): Promise<void> {
  patch({ busy, error: null, notice: null });
  try {
    const notice = await work();
    patch({ busy: null, notice });
  } catch (e) {
    patch({ busy: null, error: errorText(e) });
  }
  await refreshAdapters();
}

export function renameAdapter(id: string, name: string): Promise<void> {
  return run('Renaming…', async () => {
    await getEngine().request('renameAdapter', { id, name: name.trim() });
    return null;
  });
}

export function duplicateAdapter(id: string): Promise<void> {
  return run('Duplicating…', async () => `Created ${(await getEngine().request('duplicateAdapter', { id })).name}.`);
}

export function deleteAdapter(id: string): Promise<void> {
  return run('Deleting…', async () => {
    await getEngine().request('deleteAdapter', { id });
    return 'Deleted.';
  });
}

/**
 * Downloads the adapter as one `<name>.zip` holding the PEFT folder `<name>/` (two loose files named
 * adapter_config.json and adapter_model.safetensors collided in Downloads with the next adapter's).
 */
export function downloadAdapter(id: string): Promise<void> {
  return run('Preparing the download…', async () => {
    const out = await getEngine().request('exportAdapter', { id });
    saveBlob(new Blob([out.zip], { type: 'application/zip' }), `${out.folder}.zip`);
    return null;
  });
}

/** Imports a dropped PEFT folder (its files) or a .zip. */
export function importAdapter(files: NamedBlob[]): Promise<void> {
  return run('Importing…', async () => `Imported ${(await getEngine().request('importAdapter', { files })).name}.`);
}

/** Ticks or unticks an adapter for merging. */
export function toggleSelected(id: string): void {
  const { selected, merge } = state().adapters;
  const next = selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id];
  patch({ selected: next, merge: { ...merge, weights: { ...merge.weights, [id]: merge.weights[id] ?? 1 } } });
}

/** Merges the ticked adapters with the form's method, rank and weights. */
export function mergeSelected(): Promise<void> {
  const { selected, merge } = state().adapters;
  return run('Merging…', async () => {
    const inputs = selected.map((id) => ({ id, weight: merge.weights[id] ?? 1 }));
    const rec = await getEngine().request('mergeAdapters', {
      inputs,
      method: merge.method,
      ...(merge.method === 'svd' ? { rank: merge.rank } : {}),
      name: merge.name,
    });
    patch({ selected: [] });
    return `Created ${rec.name} (rank ${rec.rank}).`;
  });
}
