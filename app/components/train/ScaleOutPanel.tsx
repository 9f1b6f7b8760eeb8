import { Fragment, useEffect, useState } from 'react';
import { scaleOutEstimate, SUGGEST_AFTER_HOURS } from '../../../src/handoff/scale-out';
import type { ExportJobResult } from '../../../src/protocol/handoff-types';
import { formatDuration } from '../../format';
import { useStudio } from '../../store';
import { exportJob, measuredThroughput, rememberThroughput } from '../../store/handoff-actions';
import { errorText } from '../../store/job-progress';
import { ErrorNote } from '../ErrorNote';

/** Tokens the form's run would train on: steps × batch × accumulation × mean tokens per example of the dataset. */
function useTrainTokens(): number | null {
  const steps = useStudio((s) => s.train.estimate?.totalSteps ?? null);
  const { batchSize, gradAccum } = useStudio((s) => s.train.form.train);
  const dataset = useStudio((s) => s.data.datasets.find((d) => d.id === s.data.selectedDatasetId) ?? null);
  if (steps === null || !dataset || dataset.exampleCount === 0) return null;
  return steps * batchSize * gradAccum * (dataset.tokenCount / dataset.exampleCount);
}

/**
 * "Outgrow the browser": how long the run takes here (measured throughput) beside typical GPUs, a suggestion to
 * hand it off when it is long, and the job export (axolotl + TRL) for the viewed run or the form's settings.
 */
export function ScaleOutPanel() {
  const info = useStudio((s) => s.model.info);
  const run = useStudio((s) => s.train.run);
  const viewing = useStudio((s) => s.train.viewing);
  const datasetChosen = useStudio((s) => s.data.selectedDatasetId !== null);
  const tokens = useTrainTokens();
  const [hubId, setHubId] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ExportJobResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const liveRate = run?.tokensPerSec ?? null;
  useEffect(() => {
    if (info && liveRate) rememberThroughput(info.id, liveRate);
  }, [info, liveRate]);
  const modelId = info?.id ?? null;
  const fromHub = info?.sourceKind === 'hub';
  // Only a new base resets the field (the info object is replaced on every memory report).
  useEffect(() => setHubId(fromHub && modelId ? modelId : ''), [modelId, fromHub]);
  if (!info) return null;
  const rate = liveRate ?? measuredThroughput(info.id);
  const estimate =
    tokens !== null
      ? scaleOutEstimate({
          parameters: info.facts.parameters,
          trainTokens: tokens,
          checkpointing: true,
          measuredTokensPerSec: rate,
        })
      : null;
  const canExport = viewing !== null || datasetChosen;
  const onExport = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await exportJob(hubId));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card" data-testid="scale-out">
      <h3>Run it on a GPU cluster</h3>
      {estimate ? (
        <>
          <dl className="facts" data-testid="scale-out-times">
            <dt>This device</dt>
            <dd>
              {estimate.deviceSeconds !== null
                ? `about ${formatDuration(estimate.deviceSeconds * 1000)} (${Math.round(rate!)} tokens/s measured)`
                : 'measured after a run has taken a few steps'}
            </dd>
            {estimate.gpus.map((g) => (
              <Fragment key={g.label}>
                <dt>{g.label}</dt>
                <dd>{g.seconds < 1 ? 'under 1 s' : `about ${formatDuration(g.seconds * 1000)}`}</dd>
              </Fragment>
            ))}
          </dl>
          <p className="muted">
            {Math.round(tokens!).toLocaleString('en-US')} training tokens; GPU times assume 35% of each card's bf16
            peak.
          </p>
          {estimate.suggest ? (
            <p data-testid="scale-out-suggest">
              <strong>This run takes over {SUGGEST_AFTER_HOURS} h here.</strong> Export it as a job and run it with
              axolotl or TRL on a rented GPU, then import the adapter back.
            </p>
          ) : null}
        </>
      ) : (
        <p className="muted">Choose a dataset to compare this device with typical GPUs.</p>
      )}
      <label className="scale-out-field">
        Hugging Face id of the base
        <input
          value={hubId}
          onChange={(e) => setHubId(e.target.value)}
          placeholder="e.g. HuggingFaceTB/SmolLM2-135M-Instruct"
          aria-label="Hugging Face id of the base"
        />
      </label>
      <button type="button" disabled={!canExport || busy} onClick={() => void onExport()}>
        {busy ? 'Exporting…' : viewing ? `Export job for ${viewing.name}` : 'Export job (axolotl + TRL)'}
      </button>
      {error ? <ErrorNote message={error} testId="scale-out-error" /> : null}
      {result ? (
        <div data-testid="scale-out-result">
          <p>
            Downloaded <code>{result.fileName}</code>: {result.trainRecords.toLocaleString('en-US')} training and{' '}
            {result.evalRecords.toLocaleString('en-US')} eval records. Run <code>bash launch.sh</code> (axolotl) or{' '}
            <code>python train_trl.py</code> (TRL); the zip it writes back imports in Adapters.
          </p>
          {result.warnings.length ? (
            <ul className="scale-out-warnings">
              {result.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
