import { useStudio } from '../../store';
import { mergeSelected } from '../../store/adapters-actions';
import { Segmented, type SegmentedOption } from '../Segmented';
import { bindNumber } from '../bind-number';
import { NumberField } from '../train/NumberField';

const METHODS: SegmentedOption<'cat' | 'svd'>[] = [
  { value: 'cat', label: 'Concatenate (exact)' },
  { value: 'svd', label: 'Weighted SVD' },
];

/** Merge the ticked adapters: concat (exact, ranks add up) or weighted SVD to a chosen rank. */
export function MergePanel() {
  const { selected, merge, list, busy } = useStudio((s) => s.adapters);
  const hasModel = useStudio((s) => s.model.info !== null);
  const patch = useStudio((s) => s.patchAdapters);
  const set = (p: Partial<typeof merge>) => patch({ merge: { ...merge, ...p } });
  const picked = list.filter((a) => selected.includes(a.id));
  return (
    <fieldset className="card" data-testid="merge-panel">
      <legend>Merge</legend>
      {picked.length < 2 ? (
        <p className="muted">Tick two or more adapters in the library to merge them into a new one.</p>
      ) : null}
      {picked.map((a) => (
        <div key={a.id} className="row">
          <label htmlFor={`merge-w-${a.id}`}>{a.name}</label>
          <input
            id={`merge-w-${a.id}`}
            type="number"
            step={0.1}
            value={merge.weights[a.id] ?? 1}
            onChange={(e) => set({ weights: { ...merge.weights, [a.id]: Number(e.target.value) } })}
            aria-label={`Merge weight of ${a.name}`}
          />
        </div>
      ))}
      <div className="form-grid">
        <span id="merge-method-label">Method</span>
        <Segmented
          name="merge-method"
          labelledBy="merge-method-label"
          options={METHODS}
          value={merge.method}
          onChange={(method) => set({ method })}
        />
        {merge.method === 'svd' ? (
          <NumberField id="merge-rank" label="Rank" min={1} max={256} integer {...bindNumber(merge, 'rank', set)} />
        ) : null}
        <label htmlFor="merge-name">New adapter name</label>
        <input id="merge-name" value={merge.name} onChange={(e) => set({ name: e.target.value })} />
      </div>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={picked.length < 2 || busy !== null || !hasModel}
          onClick={() => void mergeSelected()}
        >
          Merge {picked.length > 1 ? picked.length : ''} adapters
        </button>
        {!hasModel ? <span className="muted">Load their base model first.</span> : null}
      </div>
    </fieldset>
  );
}
