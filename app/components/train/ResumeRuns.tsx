import { formatDate } from '../../format';
import { useStudio } from '../../store';
import { discardRun, resumeRun } from '../../store/train-actions';
import { isLive } from '../../store/train-slice';

/** Runs that ended without finishing (a reload, a crash, a lost GPU): resume from the last checkpoint, or discard. */
export function ResumeRuns() {
  const unfinished = useStudio((s) => s.train.unfinished);
  const live = useStudio((s) => isLive(s.train.run));
  const baseModel = useStudio((s) => s.model.info?.id ?? null);
  if (unfinished.length === 0) return null;
  return (
    <div className="card resume-runs" data-testid="unfinished-runs">
      <h3>Unfinished runs</h3>
      <ul className="plain-list">
        {unfinished.map((r) => {
          const last = r.metrics[r.metrics.length - 1];
          const wrongBase = r.baseModel !== baseModel;
          return (
            <li key={r.id}>
              <span>
                <strong>{r.name}</strong> · {last ? `step ${last.step}, loss ${last.loss.toFixed(3)}` : 'no step yet'} ·{' '}
                {formatDate(r.updatedAt)}
                {r.error ? <span className="muted"> · {r.error}</span> : null}
                {wrongBase ? <span className="muted"> · trains on {r.baseModel}: load it to resume</span> : null}
              </span>
              <span className="actions">
                <button
                  type="button"
                  className="primary"
                  disabled={live || wrongBase}
                  onClick={() => void resumeRun(r.id)}
                  aria-label={`Resume run ${r.name}`}
                >
                  Resume run
                </button>
                <button
                  type="button"
                  disabled={live}
                  onClick={() => void discardRun(r.id)}
                  aria-label={`Discard run ${r.name}`}
                >
                  Discard
                </button>
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
