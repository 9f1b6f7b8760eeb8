import { formatProblem } from '../../../src/data/problems';
import { useStudio } from '../../store';
import { prepareSkippingBad } from '../../store/data-actions';

/** Problems found in the dropped files or while preparing, each as FILE:LINE: message, with the way out (skip them). */
export function ProblemList() {
  const prepared = useStudio((s) => s.data.result);
  const check = useStudio((s) => s.data.check);
  const sample = useStudio((s) => s.data.sample);
  const sampleProblems = sample?.flatMap((f) => f.problems) ?? [];
  // The preparation's list, else the whole-file check run when the files were dropped, else the sample's.
  const result = prepared ?? check;
  const problems = result?.problems ?? sampleProblems;
  const total = result?.problemCount ?? problems.length;
  if (problems.length === 0) return null;
  const failed = result !== null && !result.ok;
  const where = prepared
    ? failed
      ? '— nothing was stored'
      : `— ${prepared.skipped} skipped`
    : check
      ? 'in the file'
      : 'in the first records';
  return (
    <section className="card problems" aria-labelledby="problems-heading" data-testid="data-problems">
      <h3 id="problems-heading">
        {total} problem{total === 1 ? '' : 's'} {where}
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
