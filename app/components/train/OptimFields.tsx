import type { TrainConfig } from '../../../src/spec/train-config';
import { useStudio } from '../../store';
import { NumberField } from './NumberField';
import { useFormEdit, useNumberBinding, useSettingsProblems } from './use-form-edit';
import { SettingsGroup } from './SettingsGroup';
import { Segmented, type SegmentedOption } from '../Segmented';

const LENGTH_BY: SegmentedOption<'steps' | 'epochs'>[] = [
  { value: 'steps', label: 'Steps' },
  { value: 'epochs', label: 'Epochs' },
];

/** Optimizer, schedule, length, batching, eval, checkpoints, seed and what to do on NaN. */
export function OptimFields() {
  const train = useStudio((s) => s.train.form.train);
  const edit = useFormEdit();
  const bind = useNumberBinding();
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
        <NumberField id="train-lr" label="Learning rate" {...bind.train('lr')} />
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
        <NumberField id="train-warmup" label="Warmup steps" {...bind.train('warmupSteps')} />
        <span id="train-length-label">Length</span>
        <Segmented
          name="train-length"
          labelledBy="train-length-label"
          options={LENGTH_BY}
          value={bySteps ? 'steps' : 'epochs'}
          onChange={(by) => edit.train({ steps: by === 'steps' ? (train.steps ?? 100) : null })}
        />
        {bySteps ? (
          <NumberField
            id="train-steps"
            label="Total steps"
            value={train.steps ?? 100}
            error={problems['train.steps']}
            onChange={(steps) => edit.train({ steps })}
          />
        ) : (
          <NumberField id="train-epochs" label="Number of epochs" {...bind.train('epochs')} />
        )}
        <NumberField id="train-batch" label="Batch size" max={256} {...bind.train('batchSize')} />
        <NumberField id="train-accum" label="Gradient accumulation" max={256} {...bind.train('gradAccum')} />
        <NumberField id="train-seq" label="Max sequence length" max={32768} step={16} {...bind.train('maxSeqLen')} />
        <NumberField id="train-clip" label="Gradient clipping (norm)" hint="0 = off" {...bind.train('maxGradNorm')} />
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
          integer
          min={0}
          hint="0 = at the end; the held-out share is set in Data"
          {...bind.train('evalEvery')}
        />
        <NumberField
          id="train-ckpt-every"
          label="Checkpoint every (steps)"
          integer
          min={0}
          hint="also on pause and stop"
          {...bind.train('checkpointEvery')}
        />
        <NumberField id="train-seed" label="Seed" integer min={0} {...bind.train('seed')} />
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
