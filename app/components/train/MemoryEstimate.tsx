import { formatBytes, formatCount } from '../../format';
import { useStudio } from '../../store';
import { ErrorNote } from '../ErrorNote';

/** What the run will need before it starts: memory against the device, trainable parameters, steps. */
export function MemoryEstimate() {
  const { estimate, estimating, estimateError } = useStudio((s) => s.train);
  const modelReady = useStudio((s) => s.model.info !== null);
  if (!modelReady) return <p className="muted">Load a base model (Model section) to see what training needs.</p>;
  if (estimateError) return <ErrorNote message={estimateError} testId="train-estimate-error" />;
  if (!estimate) return <p className="muted">{estimating ? 'Estimating…' : 'No estimate yet.'}</p>;
  const { memory, budget } = estimate;
  const over = budget.budgetBytes !== null && memory.totalBytes > budget.budgetBytes;
  const share = budget.budgetBytes ? Math.min(1, memory.totalBytes / budget.budgetBytes) : null;
  return (
    <div className="card" data-testid="train-estimate" aria-busy={estimating}>
      <h3>Memory estimate</h3>
      <p className={over ? 'error-text' : undefined}>
        About <strong>{formatBytes(memory.totalBytes)}</strong>
        {budget.budgetBytes !== null
          ? ` of ${formatBytes(budget.budgetBytes)} on ${budget.backend}`
          : ` on ${budget.backend}`}
        {over
          ? ': more than this device has. Lower the batch size, sequence length or rank, or pick a smaller quantization.'
          : '.'}
      </p>
      {share !== null ? (
        <meter aria-label="Share of device memory" min={0} max={1} low={0.7} high={0.9} optimum={0.3} value={share} />
      ) : null}
      <dl className="facts">
        <dt>Base weights</dt>
        <dd>{formatBytes(memory.baseBytes)}</dd>
        <dt>Adapter + optimizer</dt>
        <dd>{formatBytes(memory.trainableBytes)}</dd>
        <dt>Activations (seq {estimate.seqLen})</dt>
        <dd>{formatBytes(memory.activationBytes)}</dd>
        <dt>Trainable</dt>
        <dd data-testid="train-trainable">
          {formatCount(estimate.trainableParameters)} parameters ({(estimate.trainableShare * 100).toFixed(2)}% of the
          base) in {estimate.modules} modules
        </dd>
        {estimate.totalSteps !== null ? (
          <>
            <dt>Steps</dt>
            <dd>
              {estimate.totalSteps.toLocaleString('en-US')}
              {estimate.trainExamples !== null
                ? ` over ${estimate.trainExamples.toLocaleString('en-US')} examples (${estimate.evalExamples ?? 0} held out for eval)`
                : ''}
            </dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}
