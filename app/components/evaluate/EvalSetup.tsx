import { useStudio } from '../../store';
import { cancelEvaluation, runEvaluation } from '../../store/evaluate-actions';
import { bindNumber, type NumberKey } from '../bind-number';
import { NumberField } from '../train/NumberField';

/** Dataset, split, how to batch, the Predict grid settings, and Run. */
export function EvalSetup() {
  const e = useStudio((s) => s.evaluate);
  const patch = useStudio((s) => s.patchEvaluate);
  const datasets = useStudio((s) => s.data.datasets);
  const datasetId = useStudio((s) => s.data.selectedDatasetId);
  const patchData = useStudio((s) => s.patchData);
  const hasModel = useStudio((s) => s.model.info !== null);
  const num = (key: NumberKey<typeof e>) => bindNumber(e, key, patch);
  return (
    <fieldset className="card" data-testid="eval-setup">
      <legend>Data</legend>
      <div className="form-grid">
        <label htmlFor="eval-dataset">Dataset</label>
        <select
          id="eval-dataset"
          value={datasetId ?? ''}
          onChange={(ev) => patchData({ selectedDatasetId: ev.target.value || null })}
        >
          {datasets.length === 0 ? (
            <option value="">No prepared dataset yet (Data section: a sample or your file)</option>
          ) : null}
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
        <label htmlFor="eval-split">Examples</label>
        <select id="eval-split" value={e.split} onChange={(ev) => patch({ split: ev.target.value as 'eval' | 'all' })}>
          <option value="eval">Held-out split</option>
          <option value="all">Every example</option>
        </select>
        <NumberField id="eval-max" label="At most (0 = all)" min={0} integer {...num('maxExamples')} />
        <NumberField
          id="eval-predict"
          label="Predict prompts (0 = none)"
          min={0}
          max={64}
          integer
          {...num('predictCount')}
        />
        <NumberField id="eval-new-tokens" label="New tokens" min={1} max={512} integer {...num('maxNewTokens')} />
        <NumberField id="eval-temperature" label="Temperature (0 = greedy)" min={0} max={2} {...num('temperature')} />
        <NumberField id="eval-seed" label="Seed" min={0} integer {...num('seed')} />
        <label htmlFor="eval-batched">Batching</label>
        <label className="inline">
          <input
            id="eval-batched"
            type="checkbox"
            checked={e.batched}
            onChange={(ev) => patch({ batched: ev.target.checked })}
          />{' '}
          all variants in one pass
        </label>
      </div>
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={() => void runEvaluation()}
          disabled={!hasModel || e.running}
        >
          Evaluate
        </button>
        {e.running ? (
          <button type="button" onClick={cancelEvaluation}>
            Cancel
          </button>
        ) : null}
        {e.progress ? (
          <span className="muted" role="status">
            {e.progress}
          </span>
        ) : null}
      </div>
    </fieldset>
  );
}
