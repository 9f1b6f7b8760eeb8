import type { LengthHistogram } from '../../../src/data/types';
import { formatDuration } from '../../format';
import { useStudio } from '../../store';

/** Token statistics of the prepared dataset and its length histogram. */
export function DatasetStats() {
  const result = useStudio((s) => s.data.result);
  const preparedWith = useStudio((s) => s.data.preparedWith);
  if (!result) return null;
  const st = result.stats;
  return (
    <section className="card" aria-labelledby="stats-heading" data-testid="data-stats">
      <h3 id="stats-heading">
        {result.datasetId ? 'Stored' : result.ok && !result.emptyReason ? 'Checked' : 'Not stored'}
      </h3>
      {result.emptyReason ? (
        <p className="engine-error" role="alert" data-testid="data-empty-reason">
          {result.emptyReason}
        </p>
      ) : null}
      <dl className="facts">
        <dt>Examples</dt>
        <dd data-testid="data-example-count">
          {(st.trainExamples + st.evalExamples).toLocaleString('en-US')} ({st.trainExamples} train, {st.evalExamples}{' '}
          eval)
        </dd>
        <dt>Tokens</dt>
        <dd>
          {st.totalTokens.toLocaleString('en-US')} ({st.trainableTokens.toLocaleString('en-US')} with loss)
        </dd>
        <dt>Length</dt>
        <dd>
          mean {st.meanTokens.toFixed(0)}, max {st.maxTokens}
        </dd>
        {st.overLength > 0 ? (
          <>
            <dt>Too long</dt>
            <dd>
              {st.overLength} ({st.truncated} truncated, {st.droppedOverLength + st.droppedNoLoss} dropped)
            </dd>
          </>
        ) : null}
        {st.duplicates > 0 ? (
          <>
            <dt>Duplicates</dt>
            <dd>{st.duplicates}</dd>
          </>
        ) : null}
        {result.ok && result.skipped > 0 ? (
          <>
            <dt>Skipped</dt>
            <dd>{result.skipped} bad records</dd>
          </>
        ) : null}
        {preparedWith ? (
          <>
            <dt>Prepared</dt>
            <dd data-testid="data-prepared-with">
              in {formatDuration(preparedWith.ms)} on {preparedWith.workers} data worker
              {preparedWith.workers > 1 ? 's' : ''}
            </dd>
          </>
        ) : null}
      </dl>
      {!st.complete ? (
        <p className="hint">Tokenizing stopped at the first problem: these figures cover the records before it.</p>
      ) : null}
      <Histogram histogram={st.histogram} />
    </section>
  );
}

/** Bars of example lengths (tokens) with both axes labelled; an SVG with a text alternative. */
function Histogram({ histogram }: { histogram: LengthHistogram }) {
  const max = Math.max(1, ...histogram.counts);
  const n = histogram.counts.length;
  if (n === 0) return null;
  const summary = histogram.counts.map((c, i) => `${histogram.edges[i]}–${histogram.edges[i + 1]}: ${c}`).join(', ');
  const mid = histogram.edges[Math.floor(n / 2)];
  return (
    <figure className="histogram" data-testid="data-histogram">
      <div className="hist-plot">
        <div className="hist-y muted small" aria-hidden="true">
          <span>{max.toLocaleString('en-US')}</span>
          <span className="hist-y-title">examples</span>
          <span>0</span>
        </div>
        <svg
          viewBox={`0 0 ${n * 10} 60`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`Example lengths in tokens: ${summary}`}
        >
          {histogram.counts.map((c, i) => (
            <rect key={i} x={i * 10 + 1} width={8} y={60 - (c / max) * 58} height={(c / max) * 58}>
              <title>{`${histogram.edges[i]}–${histogram.edges[i + 1]} tokens: ${c} examples`}</title>
            </rect>
          ))}
        </svg>
        <span />
        <div className="hist-x muted small" aria-hidden="true">
          <span>{histogram.edges[0]}</span>
          {n > 2 ? <span>{mid}</span> : null}
          <span>{histogram.edges[n]}</span>
        </div>
      </div>
      <figcaption className="muted small">Tokens per example (x) against number of examples (y)</figcaption>
    </figure>
  );
}
