import { useStudio } from '../../store';
import { setMixWeight, toggleInMix } from '../../store/generate-actions';

/** Saved adapters for the loaded base, each with a switch and a weight slider; changes apply live. */
export function AdapterMixer() {
  const list = useStudio((s) => s.adapters.list);
  const mix = useStudio((s) => s.generate.mix);
  const mixError = useStudio((s) => s.generate.mixError);
  const baseId = useStudio((s) => s.model.info?.id ?? null);
  const usable = list.filter((a) => a.baseModel === baseId);
  const others = list.length - usable.length;
  return (
    <fieldset className="card" data-testid="adapter-mixer">
      <legend>Adapter mix</legend>
      {usable.length === 0 ? (
        <p className="muted">No saved adapters for this base model yet: train one, or import one in Adapters.</p>
      ) : null}
      <ul className="mixer-list">
        {usable.map((a) => {
          const entry = mix.find((m) => m.id === a.id);
          const sliderId = `mix-${a.id}`;
          return (
            <li key={a.id}>
              <label className="inline">
                <input
                  type="checkbox"
                  checked={entry !== undefined}
                  onChange={() => toggleInMix(a.id)}
                  aria-label={`Use adapter ${a.name}`}
                />
                {a.name} <span className="muted small">rank {a.rank}</span>
              </label>
              {entry ? (
                <span className="row">
                  <input
                    id={sliderId}
                    type="range"
                    min={-1}
                    max={2}
                    step={0.05}
                    value={entry.weight}
                    aria-label={`Weight of ${a.name}`}
                    onChange={(e) => setMixWeight(a.id, Number(e.target.value))}
                  />
                  <output htmlFor={sliderId}>{entry.weight.toFixed(2)}</output>
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
      {others > 0 ? <p className="hint">{others} adapter(s) for other base models are hidden.</p> : null}
      {mixError ? (
        <p className="engine-error" role="alert">
          {mixError}
        </p>
      ) : null}
    </fieldset>
  );
}
