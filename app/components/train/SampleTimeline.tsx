import { useStudio } from '../../store';
import type { SampleEntry } from '../../store/train-slice';

function byStep(samples: readonly SampleEntry[]): [number, SampleEntry[]][] {
  const groups = new Map<number, SampleEntry[]>();
  for (const s of samples) groups.set(s.step, [...(groups.get(s.step) ?? []), s]);
  return [...groups].sort((a, b) => b[0] - a[0]);
}

/**
 * Sample generations from the user's prompts, newest step first, so the adapter's effect shows as it trains.
 * Generated text is rendered as text (React escapes it), never as HTML.
 */
export function SampleTimeline() {
  const samples = useStudio((s) => s.train.samples);
  const every = useStudio((s) => s.train.form.samples.every);
  return (
    <div className="card" data-testid="sample-timeline">
      <h3>Samples</h3>
      {samples.length === 0 ? (
        <p className="muted">
          {every > 0 ? `Samples appear every ${every} steps.` : 'Samples appear at the end of the run.'}
        </p>
      ) : (
        <ol className="timeline">
          {byStep(samples).map(([step, entries]) => (
            <li key={step} data-testid="sample-step" data-step={step}>
              <h4>Step {step}</h4>
              {entries.map((e) => (
                <p key={e.index} className="sample">
                  <span className="sample-prompt">{e.prompt}</span>
                  {e.text ? (
                    <span className="sample-text">{e.text}</span>
                  ) : (
                    <span className="muted"> (no text: the model ended at once)</span>
                  )}
                </p>
              ))}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
