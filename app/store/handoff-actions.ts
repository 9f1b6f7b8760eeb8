/**
 * Train section: hand the run to a GPU cluster. Exports a job zip (axolotl + TRL, src/handoff/) for the run being
 * viewed, or for the form's settings on the chosen dataset, and measures what the run would cost here vs there.
 */
import type { ExportJobResult } from '../../src/protocol/handoff-types';
import { saveBlob } from '../download';
import { getEngine } from '../engine';
import { useStudio } from './index';

const THROUGHPUT_KEY = 'lora-studio-throughput';

/** Training tokens/s measured on this device for a base (kept across reloads: the estimate before a run uses it). */
export function measuredThroughput(modelId: string): number | null {
  try {
    const all = JSON.parse(localStorage.getItem(THROUGHPUT_KEY) ?? '{}') as Record<string, number>;
    return typeof all[modelId] === 'number' && all[modelId] > 0 ? all[modelId] : null;
  } catch {
    return null;
  }
}

/** Remembers the latest measured training throughput for `modelId`. */
export function rememberThroughput(modelId: string, tokensPerSec: number): void {
  try {
    const all = JSON.parse(localStorage.getItem(THROUGHPUT_KEY) ?? '{}') as Record<string, number>;
    all[modelId] = tokensPerSec;
    localStorage.setItem(THROUGHPUT_KEY, JSON.stringify(all));
  } catch {
    // Storage full or blocked: the estimate just stays unmeasured.
  }
}

/** Exports the job and downloads its zip; resolves to what the engine reported (warnings, counts). */
export async function exportJob(modelId: string): Promise<ExportJobResult> {
  const { data, train } = useStudio.getState();
  const hubId = modelId.trim() || null;
  const params = train.viewing
    ? { runId: train.viewing.runId, modelId: hubId }
    : {
        modelId: hubId,
        spec: {
          name: train.form.name.trim() || 'job',
          datasetId: data.selectedDatasetId ?? '',
          lora: train.form.lora,
          train: train.form.train,
          samples: train.form.samples,
        },
      };
  const result = await getEngine().request('exportJob', params);
  saveBlob(new Blob([result.zip], { type: 'application/zip' }), result.fileName);
  return result;
}
