/**
 * DPO and ORPO with LoRA on one base (no second model): the policy is the base with the adapter, the reference the
 * same base with the adapter off. Reference log-probs are computed once per sequence (an untaped forward with no
 * hook) and cached by the sequence's tokens, so later epochs reuse them.
 *
 * Gradients reuse the SFT machinery (activation checkpointing included): the loss L depends on the parameters only
 * through the per-sequence sums S_r = Σ log p(label), so ∇L = Σ_r (∂L/∂S_r)·∇S_r = ∇ Σ_t w_t·NLL_t with
 * w_t = −∂L/∂S_r(t) held constant. One untaped forward gives S and ∂L/∂S (autodiff of `preferenceLoss` on S alone);
 * the gradient pass is then the usual NLL backward with per-label weights. Dropout is off, as TRL's
 * `disable_dropout` default, so both passes see the same network.
 */
import { tf, type Tensor1D } from '../../backend/tf';
import type { LoraAdapter } from '../../lora/lora-adapter';
import type { TokenizedExample } from '../../data/types';
import type { LmBatch } from '../batch';
import type { CausalLm } from '../loss';
import type { TrainObjective } from '../objective';
import { DEFAULT_BETA, type TrainConfig } from '../../spec/train-config';
import { preferenceLoss, preferenceMetrics, type PreferenceMetrics, type PreferenceSpec } from './preference-loss';
import { isPreferencePair, labelRows, rowLabelCounts, rowLogProbSums } from './sequence-logps';

/** The preference settings of a run, or null for SFT. */
export function preferenceSpecOf(c: TrainConfig): PreferenceSpec | null {
  if (!c.method || c.method === 'sft') return null;
  return { method: c.method, beta: c.beta ?? DEFAULT_BETA, loss: c.preferenceLoss ?? 'sigmoid' };
}

/** Throws a message a user can act on when the data does not fit the method (pairs for DPO/ORPO, no pairs for SFT). */
export function checkPreferenceData(c: TrainConfig, examples: readonly TokenizedExample[]): void {
  const pairs = examples.filter(isPreferencePair).length;
  const method = (c.method ?? 'sft').toUpperCase();
  if (preferenceSpecOf(c) && pairs < examples.length) {
    throw new Error(
      `${method} trains on preference pairs ({"prompt","chosen","rejected"}), but ${examples.length - pairs} of ${examples.length} examples are not pairs: pick a preference dataset or the SFT method`,
    );
  }
  if (!preferenceSpecOf(c) && pairs > 0 && pairs === examples.length) {
    throw new Error('this is a preference dataset (chosen/rejected pairs): train it with DPO or ORPO');
  }
}

/** A key for one row's tokens and label positions (FNV-1a, two 32-bit lanes). */
function rowKey(batch: LmBatch, row: number): string {
  const len = batch.attention[row].reduce((n, v) => n + v, 0);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ len;
  for (let t = 0; t < len; t++) {
    const v = batch.ids[row * batch.seq + t];
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ (v + t), 0x5bd1e995);
  }
  for (const r of batch.predictRows)
    if (Math.floor(r / batch.seq) === row) h1 = Math.imul(h1 ^ (r % batch.seq), 0x01000193);
  return `${len}:${(h1 >>> 0).toString(36)}:${(h2 >>> 0).toString(36)}`;
}

/** Wraps the LoRA objective `sft` (same adapter, same gradient path) into DPO or ORPO. */
export function preferenceObjective(
  model: CausalLm,
  adapter: LoraAdapter,
  sft: TrainObjective,
  spec: PreferenceSpec,
): TrainObjective {
  const referenceCache = new Map<string, number>();
  let metricSum: PreferenceMetrics | null = null;
  let metricBatches = 0;

  /** Reference sums per row, from the cache or one untaped forward with the adapter off. */
  async function reference(batch: LmBatch): Promise<Float32Array> {
    const keys = Array.from({ length: batch.batch }, (_, r) => rowKey(batch, r));
    if (keys.some((k) => !referenceCache.has(k))) {
      const t = tf.tidy(() => rowLogProbSums(model, batch, null));
      const values = (await t.data()) as Float32Array;
      t.dispose();
      keys.forEach((k, r) => referenceCache.set(k, values[r]));
    }
    return Float32Array.from(keys, (k) => referenceCache.get(k)!);
  }

  function addMetrics(m: PreferenceMetrics): void {
    if (!metricSum) metricSum = { ...m };
    else for (const k of Object.keys(m) as (keyof PreferenceMetrics)[]) metricSum[k] += m[k];
    metricBatches += 1;
  }

  return {
    variables: sft.variables,
    units: () => 1,
    lossSum(batch) {
      return tf.tidy(() => {
        const policy = rowLogProbSums(model, batch, adapter);
        const ref = spec.method === 'dpo' ? rowLogProbSums(model, batch, null) : null;
        return preferenceLoss(spec, policy, ref, rowLabelCounts(batch));
      });
    },
    setDropoutRng: () => sft.setDropoutRng(null),
    async gradients(batch, denom) {
      if (batch.batch % 2 !== 0) throw new Error('preference training needs (chosen, rejected) row pairs');
      const counts = rowLabelCounts(batch);
      const policyT = tf.tidy(() => rowLogProbSums(model, batch, adapter)); // [rows]
      const ref = spec.method === 'dpo' ? await reference(batch) : null;
      const refT = ref ? tf.tensor1d(ref) : null;
      const { value, grad } = tf.valueAndGrad((p: Tensor1D) => preferenceLoss(spec, p, refT, counts))(policyT);
      const [loss, dS, policy] = await Promise.all([value.data(), grad.data(), policyT.data()]);
      tf.dispose(refT ? [value, grad, policyT, refT] : [value, grad, policyT]);
      addMetrics(preferenceMetrics(spec, policy, ref, counts));
      const labelWeights = Float32Array.from(labelRows(batch), (r) => -dS[r] / denom);
      const weighted: LmBatch = { ...batch, labelWeights };
      if (sft.gradients) return { lossSum: loss[0], grads: (await sft.gradients(weighted, 1)).grads };
      const names = new Map([...sft.variables].map(([name, v]) => [v.name, name]));
      const { value: v, grads } = tf.variableGrads(() => sft.lossSum(weighted, false), [...sft.variables.values()]);
      v.dispose();
      return { lossSum: loss[0], grads: new Map(Object.entries(grads).map(([k, g]) => [names.get(k)!, g])) };
    },
    takeMetrics() {
      const out = metricSum;
      if (out) for (const k of Object.keys(out) as (keyof PreferenceMetrics)[]) out[k] /= metricBatches;
      metricSum = null;
      metricBatches = 0;
      return out ?? undefined;
    },
  };
}
