import { useStudio } from '../../store';

const pct = (x: number | null) => (x === null ? '—' : x.toFixed(1));

/** Prompt × variant, the reference beside them, each cell scored; per-variant means (×100) underneath. */
export function PredictGridView() {
  const r = useStudio((s) => s.evaluate.result);
  const p = r?.predict;
  if (!r || !p) return null;
  return (
    <div className="card" data-testid="predict-grid">
      <h3>
        Predict <span className="muted small">{(p.millis / 1000).toFixed(1)} s</span>
      </h3>
      <div className="table-scroll">
        <table className="table predict-table">
          <thead>
            <tr>
              <th>Prompt</th>
              <th>Reference</th>
              {r.variants.map((v) => (
                <th key={v.variant}>{v.variant}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {p.prompts.map((prompt, i) => (
              <tr key={prompt.index} data-testid="predict-row">
                <td className="pre">{prompt.prompt}</td>
                <td className="pre">{prompt.reference}</td>
                {p.cells.map((row, v) => (
                  <td
                    key={v}
                    className={row[i].exactMatch ? 'pre best' : 'pre'}
                    title={`ROUGE-L ${(row[i].rougeL * 100).toFixed(1)}, BLEU-4 ${(row[i].bleu4 * 100).toFixed(1)}`}
                  >
                    {row[i].text}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            {(['exactMatch', 'rougeL', 'bleu4', 'validJson', 'sameKeys'] as const).map((k) => (
              <tr key={k} data-testid={`predict-metric-${k}`}>
                <th colSpan={2}>
                  {
                    {
                      exactMatch: 'Exact match',
                      rougeL: 'ROUGE-L',
                      bleu4: 'BLEU-4',
                      validJson: 'Valid JSON',
                      sameKeys: 'Same keys',
                    }[k]
                  }
                </th>
                {p.metrics.map((m, v) => (
                  <td key={v} className="mono">
                    {pct(m[k])}
                  </td>
                ))}
              </tr>
            ))}
          </tfoot>
        </table>
      </div>
    </div>
  );
}
