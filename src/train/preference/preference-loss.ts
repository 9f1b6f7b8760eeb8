/**
 * Preference losses as TRL defines them (`DPOTrainer.dpo_loss`, `ORPOTrainer.odds_ratio_loss`), over one
 * micro-batch of pairs, from per-sequence sums of completion log-probs (rows alternate chosen, rejected):
 * - DPO sigmoid: −log σ(β·[(π_c − ref_c) − (π_r − ref_r)]), π = summed log-probs; mean over pairs.
 * - IPO: ((π_c − ref_c) − (π_r − ref_r) − 1/(2β))² with π, ref averaged over the completion tokens (TRL does so
 *   for IPO); mean over pairs.
 * - ORPO: token-mean NLL of the chosen completions − λ·mean log σ(log-odds), log-odds = log(p_c/(1−p_c)) −
 *   log(p_r/(1−p_r)) with p from length-averaged log-probs; no reference.
 * With gradient accumulation the step loss is the mean of the micro-batch losses, as in TRL.
 */
import { tf, type Tensor1D } from '../../backend/tf';

export interface PreferenceSpec {
  method: 'dpo' | 'orpo';
  /** DPO β or ORPO λ. */
  beta: number;
  /** DPO only. */
  loss: 'sigmoid' | 'ipo';
}

/** The metrics TRL logs each step, by TRL's names. */
export interface PreferenceMetrics {
  'rewards/chosen': number;
  'rewards/rejected': number;
  'rewards/accuracies': number;
  'rewards/margins': number;
  'logps/chosen': number;
  'logps/rejected': number;
}

/**
 * log σ(x) = −softplus(−x). tf.logSigmoid's custom gradient reads its input from a closure, which a surrounding
 * tidy has already freed by the time a tape runs backward.
 */
function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.softplus(x.neg()).neg();
}

/** Whether the loss reads length-averaged log-probs (IPO, ORPO) rather than sums. */
function averaged(spec: PreferenceSpec): boolean {
  return spec.method === 'orpo' || spec.loss === 'ipo';
}

/** [pairs] chosen and rejected columns of per-row values [2·pairs]. */
function split(x: Tensor1D): [Tensor1D, Tensor1D] {
  const [c, r] = tf.split(x.reshape([-1, 2]), 2, 1);
  return [c.reshape([-1]) as Tensor1D, r.reshape([-1]) as Tensor1D];
}

/**
 * The micro-batch loss (scalar), differentiable in `policy`: per-row log-prob sums [2·pairs]; `reference` the same
 * with the adapter off (null for ORPO); `counts` the completion tokens per row. Caller owns the result.
 */
export function preferenceLoss(
  spec: PreferenceSpec,
  policy: Tensor1D,
  reference: Tensor1D | null,
  counts: Float32Array,
): tf.Scalar {
  return tf.tidy(() => {
    const n = tf.tensor1d(counts).maximum(1);
    const [pc, pr] = split(averaged(spec) ? policy.div(n) : policy);
    if (spec.method === 'orpo') {
      const [nc] = split(tf.tensor1d(counts));
      const nll = pc.mul(nc).sum().neg().div(nc.sum().maximum(1)); // token-mean NLL of the chosen completions
      const logOdds = pc.sub(pr).sub(tf.log1p(pc.exp().neg()).sub(tf.log1p(pr.exp().neg()))); // [pairs]
      return nll.sub(logSigmoid(logOdds).mean().mul(spec.beta)) as tf.Scalar;
    }
    if (!reference) throw new Error('DPO needs the reference log-probabilities');
    const [rc, rr] = split(averaged(spec) ? reference.div(n) : reference);
    const logits = pc.sub(rc).sub(pr.sub(rr)); // [pairs]
    const losses =
      spec.loss === 'ipo' ? logits.sub(1 / (2 * spec.beta)).square() : logSigmoid(logits.mul(spec.beta)).neg();
    return losses.mean() as tf.Scalar;
  });
}

/** TRL's logged metrics for one micro-batch, from the same per-row values (host arrays). */
export function preferenceMetrics(
  spec: PreferenceSpec,
  policy: ArrayLike<number>,
  reference: ArrayLike<number> | null,
  counts: Float32Array,
): PreferenceMetrics {
  const pairs = policy.length / 2;
  const avg = averaged(spec);
  const value = (x: ArrayLike<number>, row: number) => (avg ? x[row] / Math.max(1, counts[row]) : x[row]);
  const m = {
    'rewards/chosen': 0,
    'rewards/rejected': 0,
    'rewards/accuracies': 0,
    'rewards/margins': 0,
    'logps/chosen': 0,
    'logps/rejected': 0,
  };
  for (let p = 0; p < pairs; p++) {
    const [c, r] = [2 * p, 2 * p + 1];
    // ORPO's rewards are β·(average log-prob), DPO's β·(policy − reference).
    const chosen = spec.beta * (value(policy, c) - (reference ? value(reference, c) : 0));
    const rejected = spec.beta * (value(policy, r) - (reference ? value(reference, r) : 0));
    m['rewards/chosen'] += chosen / pairs;
    m['rewards/rejected'] += rejected / pairs;
    m['rewards/accuracies'] += (chosen > rejected ? 1 : 0) / pairs;
    m['rewards/margins'] += (chosen - rejected) / pairs;
    m['logps/chosen'] += value(policy, c) / pairs;
    m['logps/rejected'] += value(policy, r) / pairs;
  }
  return m;
}
