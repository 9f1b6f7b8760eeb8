/** The README of a hand-off job: how to run it on 1 to N GPUs, how to bring the adapter back, what differs. */
import type { HandoffSpec } from './job-spec';
import { AXOLOTL_TYPES, type JobDataKind } from './job-records';

export function jobReadme(
  spec: HandoffSpec,
  kind: JobDataKind,
  counts: { train: number; eval: number },
  warnings: readonly string[],
): string {
  const base = spec.modelId ?? '(not set: replace REPLACE_WITH_HF_MODEL_ID in axolotl.yaml and job.json)';
  const notes = warnings.length
    ? warnings.map((w) => `- ${w}`).join('\n')
    : '- none: every setting of the run is carried over.';
  return `# LoRA Studio job ${spec.runId}

The exact run you set up in LoRA Studio, for a GPU machine or cluster: base \`${base}\`, method ${spec.method},
LoRA r${spec.lora.rank} α${spec.lora.alpha}${spec.dora ? ' (DoRA)' : ''}, ${counts.train} training and ${counts.eval} eval
records (the studio's own split, seed ${spec.train.seed}), written for axolotl's \`${AXOLOTL_TYPES[kind]}\` type.

## Files
- \`axolotl.yaml\`: the axolotl config; \`deepspeed/zero2.json\`: DeepSpeed ZeRO-2.
- \`data/train.jsonl\`${counts.eval ? ', `data/eval.jsonl`' : ''}: the records, rendered the way the studio rendered them.
- \`launch.sh\`: axolotl through accelerate. \`train_trl.py\` + \`job.json\` + \`requirements.txt\`: the same run on
  transformers + PEFT + TRL.
- \`lora-studio-run.json\`: the run id; both scripts copy it into the adapter folder they write.

## Run with axolotl
\`\`\`sh
pip install "axolotl[deepspeed]"     # in a CUDA environment
bash launch.sh                       # every GPU on this machine
bash launch.sh 1                     # one GPU
\`\`\`
\`launch.sh N\` runs \`accelerate launch --num_processes N -m axolotl.cli.train axolotl.yaml\` with ZeRO-2. For several
machines, run \`accelerate launch\` on each with \`--num_machines M --machine_rank R --main_process_ip HOST\`.
With N GPUs the effective batch is N × micro_batch_size × gradient_accumulation_steps: divide
\`gradient_accumulation_steps\` by N to keep the studio's batch.

## Run with TRL
\`\`\`sh
pip install -r requirements.txt
python train_trl.py                                           # one GPU
accelerate launch --num_processes N train_trl.py              # N GPUs
accelerate launch --num_processes N --use_deepspeed --deepspeed_config_file deepspeed/zero2.json train_trl.py
\`\`\`
TRL's chat format trains the last assistant turn of each conversation; axolotl (like the studio) trains every one.

## Bring the adapter back
Both scripts end by writing \`outputs/${spec.runId}.zip\`: \`adapter_config.json\`, \`adapter_model.safetensors\`,
\`lora-studio-run.json\` and \`trainer_state.json\` (from TRL, or the newest axolotl checkpoint). Drop it on the studio's
Library → Import: the studio files the adapter under this run and draws the cluster's loss curve.
(Zipping the whole output folder works too, but it carries every checkpoint's optimizer state.)

## What differs from the studio
${notes}
- Settings that need no counterpart: the length bucket (padding only) and the checkpoint cadence of the studio's own
  resume files.
`;
}
