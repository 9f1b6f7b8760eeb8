/**
 * LoRA+ (Hayou et al., https://arxiv.org/abs/2402.12354): B learns `ratio` times faster than A. The groups follow
 * PEFT's `create_loraplus_optimizer`: `lora_B` matrices and 1-D parameters (DoRA magnitudes) get lr·ratio,
 * everything else the base lr.
 */
import type { tf } from '../backend/tf';

/** Learning-rate multipliers by parameter name for `AdamW`; empty when LoRA+ is off (ratio absent or 1). */
export function loraPlusMultipliers(
  variables: ReadonlyMap<string, tf.Variable>,
  ratio: number | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  if (ratio === undefined || ratio === 1) return out;
  for (const [name, v] of variables) if (name.endsWith('.lora_B') || v.rank === 1) out.set(name, ratio);
  return out;
}
