/**
 * Model section actions: read the built-in model list, inspect a source (facts + memory per quantization), load
 * it with staged progress, cancel, and keep the store in step with the worker (after a reload or restart the
 * engine may hold no model: the built-in demo is loaded again so the studio opens ready to use).
 */
import type { ModelSource } from '../../src/protocol/model-types';
import { CancelledError } from '../../src/spec/errors';
import { getEngine } from '../engine';
import { useStudio } from './index';
import { syncMix } from './generate-actions';
import { errorText, progressOf } from './job-progress';
import type { BuiltinModel } from './model-slice';
import { fitPresetToBase } from '../../src/spec/presets';

/** Used when public/models/index.json is missing (a build without the demo's index). */
const FALLBACK_BUILTIN: BuiltinModel = {
  id: 'lorastudio-demo',
  name: 'LoRA Studio demo (Llama)',
  path: 'models/lorastudio-demo/',
  files: ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'],
  description: 'A small Llama pretrained for this studio; built in, no download.',
  parameters: null,
  bytes: null,
};

let loadController: AbortController | null = null;
let inspectController: AbortController | null = null;

const patch = (p: Parameters<ReturnType<typeof useStudio.getState>['patchModel']>[0]) =>
  useStudio.getState().patchModel(p);

/** Reads public/models/index.json (a few hundred bytes) into the store. */
export async function loadBuiltinIndex(): Promise<BuiltinModel[]> {
  let builtins = [FALLBACK_BUILTIN];
  try {
    const res = await fetch(new URL('models/index.json', document.baseURI));
    if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) {
      const json = (await res.json()) as { models?: BuiltinModel[] };
      if (Array.isArray(json.models) && json.models.length > 0) builtins = json.models;
    }
  } catch {
    // Offline file:// or a server without the index: the fallback entry still names the demo's files.
  }
  const { model } = useStudio.getState();
  patch({ builtins, builtinId: model.builtinId ?? builtins[0].id });
  return builtins;
}

/** The source the Model section currently describes, or null when it is incomplete. */
export function selectedSource(): ModelSource | null {
  const { model } = useStudio.getState();
  switch (model.sourceKind) {
    case 'builtin': {
      const b = model.builtins.find((x) => x.id === model.builtinId);
      if (!b) return null;
      return { kind: 'builtin', id: b.id, baseUrl: new URL(b.path, document.baseURI).href, files: b.files };
    }
    case 'hub':
      if (!/^[\w.-]+\/[\w.-]+/.test(model.hub.repo.trim().replace(/^https?:\/\/(www\.)?huggingface\.co\//, '')))
        return null;
      return {
        kind: 'hub',
        repo: model.hub.repo.trim(),
        revision: model.hub.revision.trim() || 'main',
        token: model.hub.token.trim() || null,
        ...(model.hub.endpoint.trim() ? { hubUrl: model.hub.endpoint.trim() } : {}),
      };
    case 'files':
      return model.dropped && model.dropped.files.length > 0 ? { kind: 'files', ...model.dropped } : null;
  }
}

/** Inspects the selected source; suggests a quantization unless the user picked one. */
export async function inspectSelected(): Promise<void> {
  const source = selectedSource();
  inspectController?.abort();
  if (!source) return patch({ inspection: null, inspectError: null, inspecting: false });
  const controller = new AbortController();
  inspectController = controller;
  patch({ inspecting: true, inspectError: null });
  try {
    const inspection = await getEngine().request('inspectModel', { source }, { signal: controller.signal });
    const { model } = useStudio.getState();
    patch({ inspection, inspecting: false, quant: model.quantChosen ? model.quant : inspection.suggested });
  } catch (e) {
    if (e instanceof CancelledError) return;
    patch({ inspection: null, inspecting: false, inspectError: errorText(e) });
  }
}

/** Loads the selected source with the chosen quantization, reporting each stage. */
export async function loadSelectedModel(): Promise<void> {
  const source = selectedSource();
  if (!source) return patch({ loadError: 'Choose a model first: the demo, a Hugging Face repo id, or dropped files.' });
  loadController?.abort();
  const controller = new AbortController();
  loadController = controller;
  patch({
    loading: {
      stage: source.kind === 'hub' ? 'download' : 'parse',
      done: 0,
      total: null,
      unit: 'items',
      rate: null,
      detail: null,
    },
    loadError: null,
  });
  try {
    const info = await getEngine().request(
      'loadModel',
      { source, quant: useStudio.getState().model.quant },
      {
        signal: controller.signal,
        onEvent: (event) => {
          const p = progressOf(event);
          if (p) patch({ loading: p });
        },
      },
    );
    patch({ info, loading: null, loadedSource: source });
    useStudio.getState().setTrainForm((form) => fitPresetToBase(form, info.facts.parameters));
    restoreMix(info.id);
  } catch (e) {
    // A failed or cancelled load freed the previous model too (the engine unloads before reading weights).
    const info = await getEngine()
      .request('modelInfo', {})
      .catch(() => null);
    patch({
      loading: null,
      info,
      loadedSource: info ? useStudio.getState().model.loadedSource : null,
      loadError: e instanceof CancelledError ? 'Loading was cancelled.' : errorText(e),
    });
  } finally {
    if (loadController === controller) loadController = null;
  }
}

/**
 * A new base starts with no adapters on the device: the mix keeps the adapters made for this base (sent to the
 * engine again) and drops the others.
 */
function restoreMix(baseId: string): void {
  const { adapters, generate, patchGenerate } = useStudio.getState();
  const mix = generate.mix.filter((m) => adapters.list.find((a) => a.id === m.id)?.baseModel === baseId);
  patchGenerate({ mix });
  if (mix.length > 0) syncMix(0);
}

/** Cancels a running load. */
export function cancelModelLoad(): void {
  loadController?.abort();
}

/** Frees the base model (and every adapter on the device). */
export async function unloadModel(): Promise<void> {
  await getEngine().request('unloadModel', {});
  patch({ info: null });
}

let booted = false;

/**
 * Keeps the model state in step with the engine: whenever the engine becomes ready (first start, restart after a
 * crash) it asks which model is loaded and, when none is, loads the default built-in model.
 */
export function watchModelBoot(): () => void {
  let last = useStudio.getState().engine.status;
  const onReady = async () => {
    const builtins = booted ? useStudio.getState().model.builtins : await loadBuiltinIndex();
    booted = true;
    const info = await getEngine()
      .request('modelInfo', {})
      .catch(() => null);
    patch({ info });
    if (info) useStudio.getState().setTrainForm((form) => fitPresetToBase(form, info.facts.parameters));
    // The suggestion comes first: the demo then loads in the mode the chooser shows (it loaded as INT8 while the
    // suggested F16 showed selected, #15).
    await inspectSelected();
    // A model already in the engine shows its own mode, unless the user picked one for the next load.
    if (info && !useStudio.getState().model.quantChosen) patch({ quant: info.quant });
    if (!info && !useStudio.getState().model.loading && builtins.length > 0) await loadSelectedModel();
  };
  if (last === 'ready') void onReady();
  return useStudio.subscribe((s) => {
    const now = s.engine.status;
    if (now === 'ready' && last !== 'ready') void onReady();
    last = now;
  });
}
