/**
 * Evaluate section actions: build the variants (base, adapters alone, mixes) from the form, run `evaluate` on
 * the selected stored dataset with progress, and export the result.
 */
import { CancelledError } from '../../src/spec/errors';
import type { EvalVariantSpec } from '../../src/protocol/eval-types';
import { saveBlob } from '../download';
import { getEngine } from '../engine';
import { resultCsv, resultJsonl } from './evaluate-export';
import type { MixDraft } from './evaluate-slice';
import { useStudio } from './index';
import { errorText } from './job-progress';

const state = () => useStudio.getState();
const patch = (p: Parameters<ReturnType<typeof state>['patchEvaluate']>[0]) => state().patchEvaluate(p);
let controller: AbortController | null = null;

/** The variants the form asks for, base first, then adapters (library order), then mixes. */
export function chosenVariants(): EvalVariantSpec[] {
  const e = state().evaluate;
  const library = state().adapters.list;
  const out: EvalVariantSpec[] = e.includeBase ? [{ name: 'base', adapters: [] }] : [];
  for (const a of library) {
    const w = e.adapters[a.id];
    if (w === undefined) continue;
    out.push({ name: w === 1 ? a.name : `${a.name} ×${w}`, adapters: [{ id: a.id, weight: w }] });
  }
  for (const m of e.mixes) if (m.adapters.length > 0) out.push({ name: m.name.trim() || 'mix', adapters: m.adapters });
  return out;
}

/** Runs the evaluation (and the Predict grid when asked); a second click cancels the first run. */
export async function runEvaluation(): Promise<void> {
  controller?.abort();
  const datasetId = state().data.selectedDatasetId;
  const variants = chosenVariants();
  if (!datasetId) return patch({ error: 'Prepare a dataset in the Data section first.' });
  if (variants.length === 0) return patch({ error: 'Choose at least one variant: the base, an adapter or a mix.' });
  const e = state().evaluate;
  controller = new AbortController();
  patch({ running: true, error: null, progress: 'Starting…', heatVariant: 0 });
  try {
    const result = await getEngine().request(
      'evaluate',
      {
        datasetId,
        variants,
        split: e.split,
        maxExamples: e.maxExamples > 0 ? e.maxExamples : undefined,
        batched: e.batched,
        seed: e.seed,
        predict:
          e.predictCount > 0
            ? { count: e.predictCount, maxNewTokens: e.maxNewTokens, temperature: e.temperature }
            : undefined,
      },
      {
        signal: controller.signal,
        onEvent: (ev) => {
          if (ev.kind === 'progress')
            patch({
              progress:
                ev.stage === 'predict'
                  ? 'Generating the Predict grid…'
                  : `Scoring ${ev.done} / ${ev.total ?? '?'} example × variant`,
            });
        },
      },
    );
    patch({ result, running: false, progress: null });
  } catch (err) {
    patch({ running: false, progress: null, error: err instanceof CancelledError ? null : errorText(err) });
  }
}

export function cancelEvaluation(): void {
  controller?.abort();
}

/** Ticks an adapter in or out of the comparison (weight 1). */
export function toggleEvalAdapter(id: string): void {
  const next = { ...state().evaluate.adapters };
  if (id in next) delete next[id];
  else next[id] = 1;
  patch({ adapters: next });
}

export function setEvalAdapterWeight(id: string, weight: number): void {
  patch({ adapters: { ...state().evaluate.adapters, [id]: weight } });
}

/** Adds a mix of every adapter in the library at weight 0.5 (the user edits it), or of none. */
export function addMix(): void {
  const { mixes } = state().evaluate;
  const adapters = state()
    .adapters.list.slice(0, 2)
    .map((a) => ({ id: a.id, weight: 0.5 }));
  patch({ mixes: [...mixes, { name: `mix ${mixes.length + 1}`, adapters }] });
}

export function updateMix(index: number, mix: MixDraft | null): void {
  const mixes = state().evaluate.mixes.slice();
  if (mix) mixes[index] = mix;
  else mixes.splice(index, 1);
  patch({ mixes });
}

export function exportResult(kind: 'csv' | 'jsonl'): void {
  const r = state().evaluate.result;
  if (!r) return;
  const base = r.dataset.replace(/[^\w.-]+/g, '_') || 'evaluation';
  if (kind === 'csv') saveBlob(new Blob([resultCsv(r)], { type: 'text/csv' }), `${base}-eval.csv`);
  else saveBlob(new Blob([resultJsonl(r)], { type: 'application/jsonl' }), `${base}-eval.jsonl`);
}
