import { useStudio } from '../../store';
import { selectLiveRun } from '../../store/selectors';

/**
 * Shown while a training run is going: generations run between two of its steps (the run waits for them), and
 * the user can generate with the adapter being trained, as it stands at that step.
 */
export function TrainingNote() {
  const run = useStudio(selectLiveRun);
  const useTraining = useStudio((s) => s.generate.useTraining);
  const patch = useStudio((s) => s.patchGenerate);
  if (!run) return null;
  const where = run.totalSteps > 0 ? ` (step ${run.step} of ${run.totalSteps})` : '';
  return (
    <div className="card training-note" role="status" data-testid="generate-training-note">
      <p>
        Training “{run.name}” is running{where}. A generation runs between two of its steps
        {run.status === 'paused' ? ' — now, while it is paused' : ''}; the run waits for it.
      </p>
      <label className="inline">
        <input type="checkbox" checked={useTraining} onChange={(e) => patch({ useTraining: e.target.checked })} />
        Use the adapter being trained (live)
      </label>
    </div>
  );
}
