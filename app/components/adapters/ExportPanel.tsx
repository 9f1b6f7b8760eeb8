import { useState } from 'react';
import { bundleFileName, BUNDLE_DTYPES } from '../../../src/export/bundle-names';
import type { ExportBundleFormat } from '../../../src/protocol/export-types';
import { useStudio } from '../../store';
import { exportForTool } from '../../store/export-actions';
import type { JobProgress } from '../../store/job-progress';
import { ProgressBar } from '../ProgressBar';
import { UseWithPanel } from './UseWithPanel';

const FORMATS: { value: ExportBundleFormat; label: string }[] = [
  { value: 'gguf-adapter', label: 'GGUF adapter (llama.cpp --lora, Ollama ADAPTER)' },
  { value: 'merged-gguf', label: 'Merged GGUF (llama.cpp, Ollama, LM Studio)' },
  { value: 'merged', label: 'Merged Hugging Face folder (transformers, vLLM)' },
  { value: 'base-gguf', label: 'Base model as GGUF (the FROM of an adapter Modelfile)' },
];

const DEFAULT_DTYPE: Record<ExportBundleFormat, string> = {
  'gguf-adapter': 'F16',
  'merged-gguf': 'Q8_0',
  merged: 'BF16',
  'base-gguf': 'Q8_0',
};

/** Bytes per parameter of each dtype (Q8_0: 34 bytes per 32, Q4_0: 18 per 32). */
const BYTES_PER_PARAM: Record<string, number> = { F32: 4, F16: 2, BF16: 2, Q8_0: 34 / 32, Q4_0: 18 / 32 };

/** Export a library adapter for another tool, and the commands to run it there. */
export function ExportPanel() {
  const { list, busy } = useStudio((s) => s.adapters);
  const model = useStudio((s) => s.model.info);
  const [id, setId] = useState<string | null>(null);
  const [format, setFormat] = useState<ExportBundleFormat>('gguf-adapter');
  const [dtype, setDtype] = useState(DEFAULT_DTYPE['gguf-adapter']);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const adapter = list.find((a) => a.id === id) ?? list[0];
  if (!adapter) return null;
  const dtypes = BUNDLE_DTYPES[format === 'base-gguf' ? 'merged-gguf' : format];
  const params = model ? model.facts.parameters : 0;
  const mismatch = model !== null && adapter.baseModel !== model.id && format !== 'base-gguf';
  const fileName = format === 'base-gguf' ? 'base.gguf' : bundleFileName(adapter.name, format, true);
  return (
    <fieldset className="card" data-testid="export-panel">
      <legend>Export for another tool</legend>
      <div className="form-grid">
        <label htmlFor="export-adapter">Adapter</label>
        <select id="export-adapter" value={adapter.id} onChange={(e) => setId(e.target.value)}>
          {list.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <label htmlFor="export-format">Format</label>
        <select
          id="export-format"
          value={format}
          onChange={(e) => {
            const f = e.target.value as ExportBundleFormat;
            setFormat(f);
            setDtype(DEFAULT_DTYPE[f]);
          }}
        >
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <label htmlFor="export-dtype">Precision</label>
        <select id="export-dtype" value={dtype} onChange={(e) => setDtype(e.target.value)}>
          {dtypes.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </div>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy !== null || !model || mismatch}
          onClick={() =>
            void exportForTool(
              {
                id: adapter.id,
                format,
                dtype,
                fileName,
                estimatedBytes: format === 'gguf-adapter' ? 0 : params * (BYTES_PER_PARAM[dtype] ?? 4),
              },
              setProgress,
            )
          }
        >
          Export {fileName}
        </button>
        {!model ? <span className="muted">Load the adapter's base model first: exports read its weights.</span> : null}
        {mismatch ? (
          <span className="muted">
            {adapter.name} was trained on {adapter.baseModel}; load that base to export it.
          </span>
        ) : null}
      </div>
      {progress ? <ProgressBar progress={progress} label="Export" /> : null}
      <UseWithPanel input={{ name: adapter.name, baseModel: adapter.baseModel, rank: adapter.rank }} />
    </fieldset>
  );
}
