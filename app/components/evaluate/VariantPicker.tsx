import type { AdapterRecord } from '../../../src/spec/records';
import { useStudio } from '../../store';
import { addMix, setEvalAdapterWeight, toggleEvalAdapter, updateMix } from '../../store/evaluate-actions';

/** The variants to compare: the base, saved adapters (each with a weight) and named weighted mixes. */
export function VariantPicker() {
  const e = useStudio((s) => s.evaluate);
  const patch = useStudio((s) => s.patchEvaluate);
  const baseId = useStudio((s) => s.model.info?.id ?? null);
  const usable = useStudio((s) => s.adapters.list).filter((a) => a.baseModel === baseId);
  return (
    <fieldset className="card" data-testid="eval-variants">
      <legend>Variants</legend>
      <label className="inline">
        <input type="checkbox" checked={e.includeBase} onChange={(ev) => patch({ includeBase: ev.target.checked })} />{' '}
        Base model
      </label>
      {usable.length === 0 ? (
        <p className="muted">No saved adapters for this base yet: train one, or import one in Adapters.</p>
      ) : null}
      <ul className="mixer-list">
        {usable.map((a) => (
          <li key={a.id}>
            <label className="inline">
              <input
                type="checkbox"
                checked={a.id in e.adapters}
                onChange={() => toggleEvalAdapter(a.id)}
                aria-label={`Evaluate adapter ${a.name}`}
              />
              {a.name} <span className="muted small">rank {a.rank}</span>
            </label>
            {a.id in e.adapters ? (
              <WeightInput
                label={`Weight of ${a.name}`}
                value={e.adapters[a.id]}
                onChange={(w) => setEvalAdapterWeight(a.id, w)}
              />
            ) : null}
          </li>
        ))}
      </ul>
      {e.mixes.map((m, i) => (
        <MixEditor key={i} index={i} adapters={usable} />
      ))}
      <button type="button" onClick={addMix} disabled={usable.length === 0}>
        Add a mix
      </button>
    </fieldset>
  );
}

function WeightInput({ label, value, onChange }: { label: string; value: number; onChange: (w: number) => void }) {
  return (
    <input
      className="weight-input"
      type="number"
      step={0.05}
      aria-label={label}
      value={value}
      onChange={(ev) => Number.isFinite(ev.target.valueAsNumber) && onChange(ev.target.valueAsNumber)}
    />
  );
}

/** One mix: a name and a weight for each adapter (0 = left out). */
function MixEditor({ index, adapters }: { index: number; adapters: AdapterRecord[] }) {
  const mix = useStudio((s) => s.evaluate.mixes[index]);
  const weightOf = (id: string) => mix.adapters.find((x) => x.id === id)?.weight ?? 0;
  const setWeight = (id: string, w: number) => {
    const rest = mix.adapters.filter((x) => x.id !== id);
    updateMix(index, { ...mix, adapters: w === 0 ? rest : [...rest, { id, weight: w }] });
  };
  return (
    <div className="mix-editor" data-testid="eval-mix">
      <span className="row">
        <input
          aria-label={`Name of mix ${index + 1}`}
          value={mix.name}
          onChange={(ev) => updateMix(index, { ...mix, name: ev.target.value })}
        />
        <button
          type="button"
          className="icon-button"
          aria-label={`Remove mix ${mix.name}`}
          onClick={() => updateMix(index, null)}
        >
          ×
        </button>
      </span>
      {adapters.map((a) => (
        <label key={a.id} className="inline small">
          {a.name}{' '}
          <WeightInput label={`${a.name} in ${mix.name}`} value={weightOf(a.id)} onChange={(w) => setWeight(a.id, w)} />
        </label>
      ))}
    </div>
  );
}
