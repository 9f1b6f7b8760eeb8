import { formatProblem } from '../../../src/data/problems';
import { useStudio } from '../../store';
import { prepareSkippingBad } from '../../store/data-actions';

/** Problems found while preparing, each as FILE:LINE: message, with the way out (skip them). */
export function ProblemList() {
  const result = useStudio((s) => s.data.result);
  const sample = useStudio((s) => s.data.sample);
  const sampleProblems = sample?.flatMap((f) => f.problems) ?? [];
  const problems = result?.problems ?? sampleProblems;
  const total = result?.problemCount ?? problems.length;
  if (problems.length === 0) return null;
  const failed = result !== null && !result.ok;
  return (
    <section className="card problems" aria-labelledby="problems-heading" data-testid="data-problems">
      <h3 id="problems-heading">
        {total} problem{total === 1 ? '' : 's'} {result ? (failed ? '— nothing was stored' : `— ${result.skipped} skipped`) : 'in the first records'}
      </h3>
      <ul className="problem-list mono">
        {problems.slice(0, 50).map((p, i) => (
          <li key={i}>{formatProblem(p)}</li>
        ))}
      </ul>
      {total > 50 ? <p className="muted">… and {total - 50} more.</p> : null}
      {failed ? (
        <div className="actions">
          <button type="button" onClick={() => void prepareSkippingBad()}>
            Skip the {total} bad record{total === 1 ? '' : 's'} and prepare
          </button>
          <span className="muted">or fix the file at the lines above and drop it again.</span>
        </div>
      ) : null}
    </section>
  );
}
