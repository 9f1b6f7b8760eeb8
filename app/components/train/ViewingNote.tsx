import type { TrainRunSpec } from '../../../src/spec/run-spec';
import { useStudio } from '../../store';

/** The settings a stored run trained with, in one line (the form beside it shows other, current settings). */
export function runSettingsText(spec: TrainRunSpec): string {
  const { lora, train } = spec;
  const length =
    train.steps !== null ? `${train.steps} steps` : `${train.epochs} epoch${train.epochs === 1 ? '' : 's'}`;
  const targets = lora.targets === 'all-linear' ? 'all linear layers' : lora.targets.join(', ');
  return [
    `rank ${lora.rank}, alpha ${lora.alpha}${lora.useRslora ? ' (rsLoRA)' : ''}, dropout ${lora.dropout}`,
    targets,
    `lr ${train.lr.toExponential(1)} ${train.schedule}, warmup ${train.warmupSteps}`,
    length,
    `batch ${train.batchSize}×${train.gradAccum}`,
    `${train.maxSeqLen} tokens`,
    `seed ${train.seed}`,
  ].join(' · ');
}

/** Above the charts when they show a stored run: whose curve it is, its own settings, and for an interrupted run what resumes it. */
export function ViewingNote() {
  const viewing = useStudio((s) => s.train.viewing);
  if (!viewing) return null;
  return (
    <div className="muted" data-testid="train-viewing">
      <p>
        {viewing.interrupted ? (
          <>
            <strong>{viewing.name}</strong> was interrupted: its curve up to the last checkpoint. &ldquo;Resume
            run&rdquo; continues it.
          </>
        ) : (
          <>
            Showing the stored history of <strong>{viewing.name}</strong>.
          </>
        )}
      </p>
      {viewing.spec ? (
        <p className="small" data-testid="train-viewing-settings">
          Trained with: {runSettingsText(viewing.spec)}
        </p>
      ) : null}
    </div>
  );
}
