import { useStudio } from '../../store';
import { exportResult } from '../../store/evaluate-actions';

const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** Loss, perplexity and 95% interval of each variant, best loss marked; CSV and JSONL export. */
export function EvalTable() {
  const r = useStudio((s) => s.evaluate.result);
  if (!r) return null;
  const best = Math.min(...r.variants.map((v) => v.loss));
  return (
    <div className="card" data-testid="eval-table">
      <h3>
        {r.dataset}{' '}
        <span className="muted small">
          {r.variants[0]?.examples ?? 0} examples, {r.variants[0]?.tokens ?? 0} loss tokens, {r.backend},{' '}
          {r.batched ? 'variants batched' : 'one variant at a time'}, {(r.millis / 1000).toFixed(1)} s
        </span>
      </h3>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Variant</th>
              <th>Loss</th>
              <th>95% interval</th>
              <th>Perplexity</th>
            </tr>
          </thead>
          <tbody>
            {r.variants.map((v) => (
              <tr key={v.variant} data-testid="eval-row" className={v.loss === best ? 'best' : undefined}>
                <td>{v.variant}</td>
                <td className="mono">{fmt(v.loss)}</td>
                <td className="mono">
                  {fmt(v.ci95[0], 3)} – {fmt(v.ci95[1], 3)}
                </td>
                <td className="mono">{fmt(v.perplexity, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row-actions">
        <button type="button" onClick={() => exportResult('csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => exportResult('jsonl')}>
          Export JSONL
        </button>
      </div>
    </div>
  );
}
