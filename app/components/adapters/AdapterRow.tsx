import { useState } from 'react';
import type { AdapterRecord } from '../../../src/spec/records';
import { useStudio } from '../../store';
import {
  deleteAdapter,
  downloadAdapter,
  duplicateAdapter,
  renameAdapter,
  toggleSelected,
} from '../../store/adapters-actions';
import { openRunHistory } from '../../store/train-actions';
import { useInGenerate } from '../../store/generate-actions';
import { formatBytes, formatDate } from '../../format';

function loss(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—';
}

/** One library entry: facts, and use in Generate / download / rename / duplicate / delete / loss history. */
export function AdapterRow({ adapter: a }: { adapter: AdapterRecord }) {
  const selected = useStudio((s) => s.adapters.selected.includes(a.id));
  const busy = useStudio((s) => s.adapters.busy !== null);
  const usable = useStudio((s) => s.model.info?.id === a.baseModel);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(a.name);
  const [confirm, setConfirm] = useState(false);
  const commit = () => {
    setEditing(false);
    if (name.trim() && name.trim() !== a.name) void renameAdapter(a.id, name);
  };
  return (
    <tr data-testid="adapter-row">
      <td>
        <input
          type="checkbox"
          checked={selected}
          onChange={() => toggleSelected(a.id)}
          aria-label={`Select ${a.name} for merging`}
        />
      </td>
      <td>
        {editing ? (
          <input
            aria-label={`New name for ${a.name}`}
            value={name}
            autoFocus
            onChange={(e) => setName(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commit();
              if (e.key === 'Escape') setEditing(false);
            }}
          />
        ) : (
          <strong>{a.name}</strong>
        )}
        <div className="muted small">
          {a.baseModel} · {formatDate(a.createdAt)}
        </div>
        <div className="muted small">{a.dataset ? `data: ${a.dataset.name}` : 'no dataset recorded'}</div>
      </td>
      <td data-label="LoRA">
        r {a.rank} · α {a.alpha}
        <div className="muted small">{a.targets.join(', ')}</div>
      </td>
      <td data-label="Final loss (train / eval)">
        {loss(a.finalLoss?.train)} / {loss(a.finalLoss?.eval)}
      </td>
      <td data-label="Size">{formatBytes(a.sizeBytes)}</td>
      <td>
        <div className="row-actions">
          <button
            type="button"
            disabled={!usable}
            title={usable ? undefined : `Trained for ${a.baseModel}; load that model to use it`}
            onClick={() => useInGenerate(a.id)}
            aria-label={`Use ${a.name} in Generate`}
          >
            Use in Generate
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => void downloadAdapter(a.id)}
            aria-label={`Download ${a.name} as a PEFT zip`}
          >
            Download .zip
          </button>
          <button type="button" disabled={busy} onClick={() => setEditing(true)} aria-label={`Rename ${a.name}`}>
            Rename
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => void duplicateAdapter(a.id)}
            aria-label={`Duplicate ${a.name}`}
          >
            Duplicate
          </button>
          {a.runId ? (
            <button
              type="button"
              onClick={() => void openRunHistory(a.runId!)}
              aria-label={`Loss history of ${a.name}`}
            >
              Loss history
            </button>
          ) : null}
          {confirm ? (
            <>
              <button
                type="button"
                className="danger"
                onClick={() => void deleteAdapter(a.id)}
                aria-label={`Really delete ${a.name}`}
              >
                Really delete
              </button>
              <button type="button" onClick={() => setConfirm(false)}>
                Keep
              </button>
            </>
          ) : (
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => setConfirm(true)}
              aria-label={`Delete ${a.name}`}
            >
              Delete
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}
