import { useStudio } from '../../store';

/** Colour of a token's loss: transparent at 0 nats, full warning colour at 8 nats and above. */
function heat(nll: number): string {
  const a = Math.min(1, Math.max(0, nll / 8));
  return `rgba(220, 60, 40, ${(0.08 + 0.72 * a).toFixed(3)})`;
}

/** The examples the variants find hardest, each token coloured by the chosen variant's loss on it. */
export function WorstExamples() {
  const r = useStudio((s) => s.evaluate.result);
  const v = useStudio((s) => s.evaluate.heatVariant);
  const patch = useStudio((s) => s.patchEvaluate);
  if (!r || r.details.length === 0) return null;
  const variant = Math.min(v, r.variants.length - 1);
  return (
    <div className="card" data-testid="eval-worst">
      <h3>Hardest examples</h3>
      <label className="inline">
        Colour by{' '}
        <select
          value={variant}
          onChange={(ev) => patch({ heatVariant: Number(ev.target.value) })}
          aria-label="Variant for the heat map"
        >
          {r.variants.map((x, i) => (
            <option key={x.variant} value={i}>
              {x.variant}
            </option>
          ))}
        </select>
      </label>
      <p className="hint">
        Tokens that carry loss are coloured by −ln p (darker = more surprising); the prompt is grey. Hover a token for
        its loss.
      </p>
      <ol className="worst-list">
        {r.details.map((d) => (
          <li key={d.index}>
            <span className="muted small">
              example {d.index + 1}:{' '}
              {r.variants.map((x) => `${x.variant} ${x.exampleLosses[d.index].toFixed(3)}`).join(' · ')}
            </span>
            <p className="heat-map" data-testid="heat-map">
              {d.pieces.map((piece, t) => {
                const nll = d.nll[variant][t];
                return nll === null ? (
                  <span key={t} className="heat-prompt">
                    {piece}
                  </span>
                ) : (
                  <span
                    key={t}
                    className="heat-token"
                    style={{ background: heat(nll) }}
                    title={`−ln p = ${nll.toFixed(3)}`}
                    data-nll={nll.toFixed(4)}
                  >
                    {piece}
                  </span>
                );
              })}
            </p>
          </li>
        ))}
      </ol>
    </div>
  );
}
