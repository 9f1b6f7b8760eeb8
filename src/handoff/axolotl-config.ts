/**
 * Our run settings → an axolotl config (the object later written as `axolotl.yaml`). Every key written here is one
 * axolotl's pydantic models declare (`fixtures/axolotl/config-keys.json` records them; a test holds us to it).
 * Settings axolotl cannot express come back as warnings, never dropped silently.
 */
import { hfScheduler, MODEL_ID_PLACEHOLDER, optimizerArguments, type HandoffSpec } from './job-spec';
import { datasetEntry, type JobDataKind } from './job-records';

/** A config plus what could not be carried over. */
export interface AxolotlConfig {
  config: Record<string, unknown>;
  warnings: string[];
}

/** Paths of the data files inside the job folder. */
export const TRAIN_FILE = 'data/train.jsonl';
export const EVAL_FILE = 'data/eval.jsonl';
export const DEEPSPEED_FILE = 'deepspeed/zero2.json';

/** Our LR schedule names → transformers' `SchedulerType` (which axolotl passes through). */
/** Base-model loading: nf4/int4 → QLoRA (bitsandbytes 4-bit), int8 → 8-bit, f16/f32 → plain LoRA. */
function quantKeys(spec: HandoffSpec, warnings: string[]): Record<string, unknown> {
  switch (spec.quant) {
    case 'nf4':
      return { adapter: 'qlora', load_in_4bit: true };
    case 'int4':
      warnings.push(
        "quant int4 (the studio's group-wise int4) becomes bitsandbytes 4-bit NF4 (QLoRA): the base is rounded differently",
      );
      return { adapter: 'qlora', load_in_4bit: true };
    case 'int8':
      warnings.push("quant int8 (the studio's group-wise int8) becomes bitsandbytes LLM.int8 (load_in_8bit)");
      return { adapter: 'lora', load_in_8bit: true };
    default:
      return { adapter: 'lora' };
  }
}

function loraKeys(spec: HandoffSpec, warnings: string[]): Record<string, unknown> {
  const l = spec.lora;
  const out: Record<string, unknown> = { lora_r: l.rank, lora_alpha: l.alpha, lora_dropout: l.dropout };
  if (l.targets === 'all-linear') out.lora_target_linear = true;
  else out.lora_target_modules = [...l.targets];
  if (l.layers) out.peft_layers_to_transform = [...l.layers];
  if (l.useRslora) out.peft_use_rslora = true;
  if (spec.dora) out.peft_use_dora = true;
  if (l.init === 'gaussian') out.peft_init_lora_weights = 'gaussian';
  if (Object.keys(l.rankPattern).length) out.lora_rank_pattern = { ...l.rankPattern };
  if (Object.keys(l.alphaPattern).length) out.lora_alpha_pattern = { ...l.alphaPattern };
  if (spec.loraPlusRatio !== null) out.loraplus_lr_ratio = spec.loraPlusRatio;
  if (spec.dora && spec.quant !== 'f32' && spec.quant !== 'f16') {
    warnings.push(
      'DoRA on a quantized base: PEFT computes the weight norm from the dequantized base too, but bitsandbytes rounds it differently',
    );
  }
  return out;
}

function trainKeys(spec: HandoffSpec, warnings: string[]): Record<string, unknown> {
  const t = spec.train;
  const out: Record<string, unknown> = {
    sequence_len: t.maxSeqLen,
    sample_packing: spec.render.pack,
    pad_to_sequence_len: spec.render.pack,
    micro_batch_size: t.batchSize,
    gradient_accumulation_steps: t.gradAccum,
  };
  if (t.steps !== null) out.max_steps = t.steps;
  else out.num_epochs = t.epochs;
  Object.assign(out, {
    optimizer: 'adamw_torch',
    learning_rate: t.lr,
    lr_scheduler: hfScheduler(t),
    ...optimizerArguments(t),
  });
  if (t.evalEvery > 0) out.eval_steps = t.evalEvery;
  if (t.checkpointEvery > 0) out.save_steps = t.checkpointEvery;
  if (t.evalMaxExamples > 0)
    warnings.push(
      `evalMaxExamples ${t.evalMaxExamples}: axolotl evaluates the whole eval split; the job's eval file holds all of it`,
    );
  if (t.onNonFinite === 'retry-half-lr')
    warnings.push('on-nan retry-half-lr: axolotl has no roll-back-and-halve; a NaN loss there is not retried');
  return out;
}

function methodKeys(spec: HandoffSpec): Record<string, unknown> {
  if (spec.method === 'dpo') {
    const out: Record<string, unknown> = { rl: 'dpo', rl_beta: spec.preference.beta };
    if (spec.preference.loss === 'ipo') out.dpo_loss_type = ['ipo'];
    return out;
  }
  // TRL's ORPOTrainer calls its λ `beta`; axolotl names it `orpo_alpha`.
  if (spec.method === 'orpo') return { rl: 'orpo', orpo_alpha: spec.preference.beta, remove_unused_columns: false };
  return {};
}

/**
 * The full axolotl config for `spec`, whose records were written as `kind` (train file, plus eval when `hasEval`;
 * `untrained`: some assistant turns carry `train: false`).
 */
export function axolotlConfig(
  spec: HandoffSpec,
  kind: JobDataKind,
  hasEval: boolean,
  untrained = false,
): AxolotlConfig {
  const warnings: string[] = [];
  if (!spec.modelId)
    warnings.push(
      `no Hugging Face id for the base: axolotl.yaml says ${MODEL_ID_PLACEHOLDER}; launch.sh refuses to start until you replace it`,
    );
  const config: Record<string, unknown> = {
    base_model: spec.modelId ?? MODEL_ID_PLACEHOLDER,
    ...quantKeys(spec, warnings),
    ...loraKeys(spec, warnings),
    ...methodKeys(spec),
    datasets: [datasetEntry(kind, TRAIN_FILE, spec, untrained)],
    // The studio's own split travels as a file, so both sides evaluate the same examples.
    val_set_size: 0,
    ...(hasEval ? { test_datasets: [datasetEntry(kind, EVAL_FILE, spec, untrained)] } : {}),
    dataset_prepared_path: './last_run_prepared',
    train_on_inputs: !spec.render.completionOnly,
    ...(kind === 'chat' || kind === 'dpo' || kind === 'orpo' ? { chat_template: 'tokenizer_default' } : {}),
    ...trainKeys(spec, warnings),
    bf16: 'auto',
    tf32: false,
    gradient_checkpointing: spec.checkpointing,
    logging_steps: 1,
    deepspeed: DEEPSPEED_FILE,
    output_dir: `./outputs/${spec.runId}`,
  };
  if (kind === 'segments' && !spec.markers.eos) {
    warnings.push(
      "the tokenizer's end-of-sequence text is unknown: completions in data/train.jsonl end without it, so the model learns no stop",
    );
  }
  return { config, warnings };
}
