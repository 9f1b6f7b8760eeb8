/**
 * One optimizer step's gradients: every micro-batch's loss is divided by the label count of the *whole* step, so
 * the accumulated gradient is exactly that of the mean token loss over all micro-batches; then global-norm
 * clipping. Only the named trainable variables are differentiated — the base is frozen and its `Linear`s pass
 * gradients to their inputs only.
 */
import { tf } from '../backend/tf';
import type { LmBatch } from './batch';
import { clipByGlobalNorm } from './clip';
import type { TrainObjective } from './objective';

export interface StepGradients {
  /** Mean token loss of the step. */
  loss: number;
  /** Global norm before clipping. */
  gradNorm: number;
  /** Clipped gradients by variable name; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
  labels: number;
}

export async function computeStepGradients(
  objective: TrainObjective,
  microBatches: readonly LmBatch[],
  maxGradNorm: number,
): Promise<StepGradients> {
  const labels = microBatches.reduce((n, b) => n + b.labels.length, 0);
  const denom = Math.max(
    1,
    microBatches.reduce((n, b) => n + (b.labels.length ? unitsOf(objective, b) : 0), 0),
  );
  const names = new Map<string, string>(); // tf variable name → our name
  const varList: tf.Variable[] = [];
  for (const [name, v] of objective.variables) {
    names.set(v.name, name);
    varList.push(v);
  }
  let lossSum = 0;
  const acc = new Map<string, tf.Tensor>();
  try {
    for (const mb of microBatches) {
      if (mb.labels.length === 0) continue;
      if (objective.gradients) {
        const r = await objective.gradients(mb, denom);
        lossSum += r.lossSum / denom;
        for (const [name, g] of r.grads) accumulate(acc, name, g);
        continue;
      }
      const { value, grads } = tf.variableGrads(() => objective.lossSum(mb, true).div(denom) as tf.Scalar, varList);
      lossSum += (await value.data())[0];
      value.dispose();
      for (const [tfName, g] of Object.entries(grads)) accumulate(acc, names.get(tfName)!, g);
    }
  } catch (e) {
    // A failing micro-batch (lost device, OOM) must not strand the earlier ones' gradients.
    for (const g of acc.values()) g.dispose();
    throw e;
  }
  const { grads, norm } = await clipByGlobalNorm(acc, maxGradNorm);
  return { loss: lossSum, gradNorm: norm, grads, labels };
}

/** The micro-batch's weight in the step mean: label tokens unless the objective says otherwise. */
function unitsOf(objective: TrainObjective, batch: LmBatch): number {
  return objective.units ? objective.units(batch) : batch.labels.length;
}

/** acc[name] += g, taking ownership of g. */
function accumulate(acc: Map<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = acc.get(name);
  if (!prev) {
    acc.set(name, g);
    return;
  }
  acc.set(name, prev.add(g));
  prev.dispose();
  g.dispose();
}

/** Mean loss (per token, or per micro-batch for preference objectives) over `batches`, without gradients or dropout. */
export async function evaluate(
  objective: TrainObjective,
  batches: readonly LmBatch[],
  onBatch?: (done: number) => void,
): Promise<number> {
  let sum = 0;
  let units = 0;
  for (const [i, b] of batches.entries()) {
    if (b.labels.length === 0) continue;
    const s = tf.tidy(() => objective.lossSum(b, false));
    sum += (await s.data())[0];
    s.dispose();
    units += unitsOf(objective, b);
    onBatch?.(i + 1);
  }
  return units > 0 ? sum / units : NaN;
}
