import { useStudio } from '../../store';
import { inspectSelected } from '../../store/model-actions';
import type { ModelSourceKind } from '../../store/model-slice';
import { formatBytes, formatCount } from '../../format';
import { ModelDropZone } from './ModelDropZone';
import { Segmented, type SegmentedOption } from '../Segmented';

const KINDS: SegmentedOption<ModelSourceKind>[] = [
  { value: 'builtin', label: 'Built-in demo' },
  { value: 'hub', label: 'Hugging Face' },
  { value: 'files', label: 'Local files' },
];

/** Where the base model comes from: a built-in model, a Hugging Face repo, or files from disk. */
export function ModelSourcePicker() {
  const model = useStudio((s) => s.model);
  const patchModel = useStudio((s) => s.patchModel);
  const choose = (sourceKind: ModelSourceKind) => {
    patchModel({ sourceKind, inspection: null, inspectError: null });
    void inspectSelected();
  };
  return (
    <fieldset className="card source-picker">
      <legend>Base model</legend>
      <Segmented
        name="model-source"
        ariaLabel="Model source"
        options={KINDS}
        value={model.sourceKind}
        onChange={choose}
      />
      {model.sourceKind === 'builtin' ? (
        <div className="field-stack">
          {model.builtins.map((b) => (
            <label key={b.id} className="choice">
              <input
                type="radio"
                name="builtin-model"
                checked={model.builtinId === b.id}
                onChange={() => {
                  patchModel({ builtinId: b.id });
                  void inspectSelected();
                }}
              />
              <span>
                <strong>{b.name}</strong>
                {b.parameters ? ` · ${formatCount(b.parameters)} parameters` : ''}
                {b.bytes ? ` · ${formatBytes(b.bytes)}` : ''}
                <br />
                <span className="muted">{b.description}</span>
              </span>
            </label>
          ))}
        </div>
      ) : null}
      {model.sourceKind === 'hub' ? <HubFields /> : null}
      {model.sourceKind === 'files' ? <ModelDropZone /> : null}
    </fieldset>
  );
}

/** Repo id, revision and an optional read token (kept in memory only, never saved). */
function HubFields() {
  const hub = useStudio((s) => s.model.hub);
  const patchModel = useStudio((s) => s.patchModel);
  const set = (p: Partial<typeof hub>) => patchModel({ hub: { ...hub, ...p } });
  return (
    <div className="form-grid">
      <label htmlFor="hub-repo">Repo id</label>
      <input
        id="hub-repo"
        placeholder="HuggingFaceTB/SmolLM2-135M-Instruct"
        value={hub.repo}
        onChange={(e) => set({ repo: e.target.value })}
        onBlur={() => void inspectSelected()}
      />
      <label htmlFor="hub-revision">Revision</label>
      <input
        id="hub-revision"
        placeholder="main"
        value={hub.revision}
        onChange={(e) => set({ revision: e.target.value })}
        onBlur={() => void inspectSelected()}
      />
      <label htmlFor="hub-token">Access token</label>
      <input
        id="hub-token"
        type="password"
        autoComplete="off"
        placeholder="hf_… (only for gated or private models)"
        value={hub.token}
        onChange={(e) => set({ token: e.target.value })}
      />
      <label htmlFor="hub-endpoint">Hub endpoint</label>
      <input
        id="hub-endpoint"
        placeholder="https://huggingface.co (or a mirror)"
        value={hub.endpoint}
        onChange={(e) => set({ endpoint: e.target.value })}
        onBlur={() => void inspectSelected()}
      />
      <p className="hint span-2">
        Downloads once into this browser's storage and resumes if interrupted. The token is used for this download only
        and is never stored.
      </p>
    </div>
  );
}
