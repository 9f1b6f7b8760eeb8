/**
 * "Export for another tool": asks the engine worker for a GGUF adapter, merged GGUF, merged HF folder or the base
 * as GGUF. Large exports stream into a file the user picks (`showSaveFilePicker`, Chromium) so the page never holds
 * them; smaller ones, or browsers without the picker, come back as a Blob the worker built in pieces.
 */
import type { ExportBundleFormat } from '../../src/protocol/export-types';
import { getEngine } from '../engine';
import { formatBytes } from '../format';
import { saveBlob } from '../download';
import { run } from './adapters-actions';
import { progressOf, type JobProgress } from './job-progress';

/** Exports this large or larger go to a picked file when the browser can. */
const PICKER_BYTES = 256 * 2 ** 20;

type SavePicker = (opts: { suggestedName: string }) => Promise<FileSystemFileHandle>;

export interface ExportChoice {
  id: string;
  format: ExportBundleFormat;
  dtype: string;
  /** The file name the worker will use (for the picker's suggestion). */
  fileName: string;
  /** Rough size of the export, to choose between the picker and a Blob. */
  estimatedBytes: number;
}

export function exportForTool(choice: ExportChoice, onProgress: (p: JobProgress | null) => void): Promise<void> {
  return run('Exporting…', async () => {
    const picker = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
    const single = choice.format === 'base-gguf';
    let target: FileSystemFileHandle | null = null;
    if (picker && choice.estimatedBytes >= PICKER_BYTES) {
      // The picked file gets the bare GGUF when there is only one file to write.
      target = await picker({ suggestedName: choice.fileName });
    }
    try {
      const out = await getEngine().request(
        'exportBundle',
        { id: choice.id, format: choice.format, dtype: choice.dtype, target, bare: single },
        { onEvent: (e) => onProgress(progressOf(e)) },
      );
      if (out.blob) saveBlob(out.blob, out.fileName);
      return `Exported ${out.fileName} (${formatBytes(out.bytes)}).`;
    } finally {
      onProgress(null);
    }
  });
}
