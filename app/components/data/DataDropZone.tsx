import { useDropzone } from 'react-dropzone';
import { useStudio } from '../../store';
import { setDataFiles, pickSampleDataset } from '../../store/data-actions';
import { formatBytes } from '../../format';

/** The sample texts cite EFFECTS.md (the measured effects, shipped beside the samples): make that a link. */
function withEffectsLink(text: string) {
  const parts = text.split('EFFECTS.md');
  return parts.flatMap((part, i) =>
    i === 0
      ? [part]
      : [
          <a key={i} href="datasets/EFFECTS.md" target="_blank" rel="noopener">
            EFFECTS.md
          </a>,
          part,
        ],
  );
}

/** Drop zone and file picker for data files, plus the sample datasets shipped with the studio. */
export function DataDropZone() {
  const files = useStudio((s) => s.data.files);
  const samples = useStudio((s) => s.data.samples);
  const onDrop = (dropped: File[]) => {
    if (dropped.length > 0) void setDataFiles(dropped.map((f) => ({ name: f.name, blob: f })));
  };
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({ onDrop, noClick: true, noKeyboard: true });
  return (
    <fieldset className="card">
      <legend>Training data</legend>
      <div {...getRootProps({ className: `dropzone${isDragActive ? ' active' : ''}` })} data-testid="data-dropzone">
        <input {...getInputProps({ 'aria-label': 'Data files' })} />
        <p>Drop JSONL, JSON, CSV, TSV, Parquet or text files here (gzip is fine).</p>
        <button type="button" onClick={open}>
          Choose files…
        </button>
        {files.length > 0 ? (
          <p className="muted" data-testid="data-files">
            {files.map((f) => `${f.name} (${formatBytes(f.blob.size)})`).join(', ')}
          </p>
        ) : null}
      </div>
      {samples.length > 0 ? (
        <div className="samples">
          <h4>Or start from a sample</h4>
          <ul className="sample-list">
            {samples.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => void pickSampleDataset(s)}
                  aria-label={`Use sample dataset: ${s.name}`}
                >
                  {s.name}
                </button>
                <span className="muted">
                  {' '}
                  · {s.records.toLocaleString('en-US')} records · {formatBytes(s.bytes)}
                </span>
                <div className="muted small">{s.description}</div>
                <div className="small">Effect: {withEffectsLink(s.expectedEffect)}</div>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </fieldset>
  );
}
