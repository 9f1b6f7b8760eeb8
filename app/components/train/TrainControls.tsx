import { formatBytes, formatDuration } from '../../format';
import { requestSectionFocus } from '../../section-focus';
import { useStudio } from '../../store';
import { exportRunReport } from '../../store/run-report';
import { controlRun, startTraining } from '../../store/train-actions';
import { isLive, type TrainRunView } from '../../store/train-slice';
import { ErrorNote } from '../ErrorNote';
import { useSettingsProblems } from './use-form-edit';

const STATUS_TEXT: Record<TrainRunView['status'], string> = {
  starting: 'Starting…',
  idle: 'Starting…',
  running: 'Training',
  sampling: 'Generating samples',
  evaluating: 'Evaluating…',
  paused: 'Paused',
  stopped: 'Stopped',
  finished: 'Finished',
  diverged: 'Diverged',
  failed: 'Failed',
};

function RunProgress({ run }: { run: TrainRunView }) {
  const fraction = run.totalSteps > 0 ? run.step / run.totalSteps : null;
  return (
    <div className="progress" data-testid="train-progress" data-status={run.status}>
      <div className="progress-line">
        <strong data-testid="train-status">{STATUS_TEXT[run.status]}</strong>
        <span data-testid="train-step">
          step {run.step.toLocaleString('en-US')} of {run.totalSteps ? run.totalSteps.toLocaleString('en-US') : '…'}
        </span>
        {run.status === 'evaluating' && run.evalProgress ? (
          <span className="muted" data-testid="train-eval-progress">
            eval batch {run.evalProgress.done} of {run.evalProgress.total}
          </span>
        ) : null}
        {run.elapsedMs > 0 ? (
          <span className="muted" data-testid="train-elapsed">
            {formatDuration(run.elapsedMs)} elapsed
          </span>
        ) : null}
        {run.etaMs !== null && isLive(run) ? <span className="muted">{formatDuration(run.etaMs)} left</span> : null}
        {run.tokensPerSec !== null ? (
          <span className="muted">{Math.round(run.tokensPerSec).toLocaleString('en-US')} tokens/s</span>
        ) : null}
        {run.gpuBytes !== null ? <span className="muted">{formatBytes(run.gpuBytes)} on the device</span> : null}
        {run.lastCheckpoint !== null ? (
          <span className="muted" data-testid="train-checkpoint">
            checkpoint at step {run.lastCheckpoint}
          </span>
        ) : null}
        {run.resumedAt > 0 ? (
          <span className="muted" data-testid="train-resumed">
            resumed at step {run.resumedAt}
          </span>
        ) : null}
      </div>
      <progress aria-label="Training progress" max={1} value={fraction ?? undefined} />
    </div>
  );
}

function Outcome({ run }: { run: TrainRunView }) {
  const setSection = useStudio((s) => s.setSection);
  if (run.status === 'failed' || run.status === 'diverged')
    return <ErrorNote message={run.message ?? 'Training failed.'} testId="train-failure" />;
  // A rollback that retries at half the learning rate keeps running: say what happened.
  if (isLive(run) && run.message)
    return (
      <p className="warn-note" role="status" data-testid="train-notice">
        {run.message}
      </p>
    );
  if (!run.adapterId) return null;
  return (
    <p className="ok-note" data-testid="train-saved">
      {run.message ?? `Finished ${run.step} steps.`} The adapter <strong>{run.name}</strong> is in the library.{' '}
      <button
        type="button"
        className="link-button"
        onClick={() => {
          requestSectionFocus();
          setSection('generate');
        }}
      >
        Try it in Generate
      </button>
    </p>
  );
}

/** Start, pause/resume and stop, with the run's progress, ETA, speed and outcome. */
export function TrainControls() {
  const run = useStudio((s) => s.train.run);
  const error = useStudio((s) => s.train.error);
  const ready = useStudio((s) => s.model.info !== null && s.data.selectedDatasetId !== null);
  const patchTrain = useStudio((s) => s.patchTrain);
  const problems = Object.values(useSettingsProblems());
  const live = isLive(run);
  // A finished, stopped or stored run (Loss history) with a curve: its settings, metrics, charts and samples as a zip.
  const hasSteps = useStudio((s) => s.train.seriesVersion >= 0 && s.train.series.length > 0);
  const paused = run?.status === 'paused';
  return (
    <div className="card train-controls">
      <h3>Run</h3>
      <div className="actions">
        {!live ? (
          <button
            type="button"
            className="primary"
            disabled={!ready || problems.length > 0}
            title={problems[0]}
            onClick={() => void startTraining()}
          >
            Start training
          </button>
        ) : (
          <>
            <button type="button" disabled={!run?.runId} onClick={() => void controlRun(paused ? 'resume' : 'pause')}>
              {paused ? 'Resume' : 'Pause'}
            </button>
            <button type="button" className="danger" disabled={!run?.runId} onClick={() => void controlRun('stop')}>
              Stop and save
            </button>
          </>
        )}
        {!ready && !live ? <span className="muted">Needs a loaded model and a prepared dataset.</span> : null}
      </div>
      <ErrorNote message={error} onDismiss={() => patchTrain({ error: null })} testId="train-error" />
      {run ? <RunProgress run={run} /> : null}
      {run ? <Outcome run={run} /> : null}
      {hasSteps && !live ? (
        <button type="button" className="link-button" onClick={() => void exportRunReport()}>
          Export run report
        </button>
      ) : null}
    </div>
  );
}
