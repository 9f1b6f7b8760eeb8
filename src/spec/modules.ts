/**
 * Names shared by the model, the quantized base, LoRA and the PEFT files: the projections an adapter can target
 * and how a frozen weight is stored. Plain data, so the form and the config files use them without tensor code.
 */

/** Storage of a frozen weight: float, or packed low-bit with group-wise scales. */
export type QuantMode = 'f32' | 'f16' | 'int8' | 'int4' | 'nf4';

/** The projection kinds LoRA can target, named as in the checkpoints. */
export const LINEAR_MODULE_NAMES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
] as const;
export type LinearModuleName = (typeof LINEAR_MODULE_NAMES)[number];
