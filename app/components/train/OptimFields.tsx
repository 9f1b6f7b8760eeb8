import type { TrainConfig } from '../../../src/spec/train-config';
import { useStudio } from '../../store';
import { NumberField } from './NumberField';
import { useFormEdit, useSettingsProblems } from './use-form-edit';
import { SettingsGroup } from './SettingsGroup';

/** Optimizer, schedule, length, batching, eval, checkpoints, seed and what to do on NaN. */
export function OptimFields() {
  const train = useStudio((s) => s.train.form.train);
  const edit = useFormEdit();
  const problems = useSettingsProblems();
  const bySteps = train.steps !== null;
  return (
    <SettingsGroup
      id="group-training"
      title="Training"
      summary={
        <span className="muted small">
          {bySteps ? `${train.steps} steps` : `${train.epochs} epoch${train.epochs === 1 ? '' : 's'}`}, lr {train.lr},
          batch {train.batchSize}×{train.gradAccum}, {train.schedule}
        </span>
      }
    >
      <div className="form-grid">
        <NumberField
          id="train-lr"
          label="Learning rate"
          value={train.lr}
          error={problems['train.lr']}
          onChange={(lr) => edit.train({ lr })}
        />
        <label htmlFor="train-schedule">Schedule</label>
        <select
          id="train-schedule"
          value={train.schedule}
          onChange={(e) => edit.train({ schedule: e.target.value as TrainConfig['schedule'] })}
        >
          <option value="cosine">Cosine decay</option>
          <option value="linear">Linear decay</option>
          <option value="constant">Constant</option>
        </select>
        <NumberField
          id="train-warmup"
          label="Warmup steps"
          value={train.warmupSteps}
          error={problems['train.warmupSteps']}
          onChange={(warmupSteps) => edit.train({ warmupSteps })}
        />
        <span id="train-length-label">Length</span>
        <div className="segmented" role="radiogroup" aria-labelledby="train-length-label">
          <label className={bySteps ? 'selected' : undefined}>
            <input
              type="radio"
              name="train-length"
              checked={bySteps}
              onChange={() => edit.train({ steps: train.steps ?? 100 })}
            />
            Steps
          </label>
          <label className={!bySteps ? 'selected' : undefined}>
            <input type="radio" name="train-length" checked={!bySteps} onChange={() => edit.train({ steps: null })} />
            Epochs
          </label>
        </div>
        {bySteps ? (
          <NumberField
            id="train-steps"
            label="Total steps"
            value={train.steps ?? 100}
            error={problems['train.steps']}
            onChange={(steps) => edit.train({ steps })}
          />
        ) : (
          <NumberField
            id="train-epochs"
            label="Number of epochs"
            value={train.epochs}
            error={problems['train.epochs']}
            onChange={(epochs) => edit.train({ epochs })}
          />
        )}
        <NumberField
          id="train-batch"
          label="Batch size"
          value={train.batchSize}
          max={256}
          error={problems['train.batchSize']}
          onChange={(batchSize) => edit.train({ batchSize })}
        />
        <NumberField
          id="train-accum"
          label="Gradient accumulation"
          value={train.gradAccum}
          max={256}
          error={problems['train.gradAccum']}
          onChange={(gradAccum) => edit.train({ gradAccum })}
        />
        <NumberField
          id="train-seq"
          label="Max sequence length"
          value={train.maxSeqLen}
          max={32768}
          step={16}
          error={problems['train.maxSeqLen']}
          onChange={(maxSeqLen) => edit.train({ maxSeqLen })}
        />
        <NumberField
          id="train-clip"
          label="Gradient clipping (norm)"
          value={train.maxGradNorm}
          error={problems['train.maxGradNorm']}
          onChange={(maxGradNorm) => edit.train({ maxGradNorm })}
          hint="0 = off"
        />
        <NumberField
          id="train-wd"
          label="Weight decay"
          value={train.adamw.weightDecay}
          min={0}
          max={1}
          onChange={(weightDecay) => edit.train({ adamw: { ...train.adamw, weightDecay } })}
        />
        <NumberField
          id="train-eval-every"
          label="Eval every (steps)"
          value={train.evalEvery}
          integer
          min={0}
          onChange={(evalEvery) => edit.train({ evalEvery })}
          hint="0 = at the end; the held-out share is set in Data"
        />
        <NumberField
          id="train-ckpt-every"
          label="Checkpoint every (steps)"
          value={train.checkpointEvery}
          integer
          min={0}
          onChange={(checkpointEvery) => edit.train({ checkpointEvery })}
          hint="also on pause and stop"
        />
        <NumberField
          id="train-seed"
          label="Seed"
          value={train.seed}
          integer
          min={0}
          onChange={(seed) => edit.train({ seed })}
        />
        <label htmlFor="train-nan">On NaN loss</label>
        <select
          id="train-nan"
          value={train.onNonFinite}
          onChange={(e) => edit.train({ onNonFinite: e.target.value === 'retry-half-lr' ? 'retry-half-lr' : 'stop' })}
        >
          <option value="stop">Roll back and stop</option>
          <option value="retry-half-lr">Roll back, retry at half the learning rate</option>
        </select>
      </div>
    </SettingsGroup>
  );
}
