/**
 * The fixed files of a hand-off job: the DeepSpeed ZeRO-2 config, `launch.sh` for axolotl, `requirements.txt`
 * for the TRL script, and the run marker that ties the returned adapter to the studio run.
 */
import { MODEL_ID_PLACEHOLDER, type HandoffSpec } from './job-spec';

/** File the job (and, after training, the adapter folder) carries so the studio can match it to its run. */
export const RUN_MARKER_FILE = 'lora-studio-run.json';

/**
 * ZeRO stage 2 (optimizer state and gradients sharded; the base stays whole on every GPU, which QLoRA needs).
 * "auto" values are filled in by the transformers integration from the training arguments.
 */
export function deepspeedZero2(): string {
  const config = {
    zero_optimization: {
      stage: 2,
      offload_optimizer: { device: 'none' },
      contiguous_gradients: true,
      overlap_comm: true,
      reduce_scatter: true,
      reduce_bucket_size: 'auto',
      allgather_bucket_size: 5e8,
    },
    bf16: { enabled: 'auto' },
    fp16: {
      enabled: 'auto',
      auto_cast: false,
      loss_scale: 0,
      initial_scale_power: 32,
      loss_scale_window: 1000,
      hysteresis: 2,
      min_loss_scale: 1,
    },
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    wall_clock_breakdown: false,
  };
  return JSON.stringify(config, null, 2) + '\n';
}

/** The run marker: what the studio reads back from a returned adapter folder. */
export function runMarker(spec: HandoffSpec, createdAt: string): string {
  return (
    JSON.stringify(
      {
        format: 'lora-studio-run',
        version: 1,
        runId: spec.runId,
        baseModel: spec.modelId,
        method: spec.method,
        createdAt,
      },
      null,
      1,
    ) + '\n'
  );
}

/**
 * `launch.sh [N_GPUS]`: axolotl on 1..N GPUs of one machine via accelerate. Refuses to run while the base id is
 * the placeholder. After training it copies the run marker into the output folder, so zipping that folder and
 * importing it in the studio lands the adapter on its run.
 */
export function launchScript(spec: HandoffSpec): string {
  const out = `./outputs/${spec.runId}`;
  return `#!/usr/bin/env bash
# Runs this job with axolotl on N GPUs of this machine (default: all visible ones).
#   pip install "axolotl[deepspeed]"      # once, in a CUDA environment
#   bash launch.sh            # all GPUs
#   bash launch.sh 4          # 4 GPUs
# Several machines: run the same command on each with accelerate's --num_machines/--machine_rank/--main_process_ip.
set -euo pipefail
cd "$(dirname "$0")"
if grep -q '${MODEL_ID_PLACEHOLDER}' axolotl.yaml; then
  echo "axolotl.yaml has no base model: replace ${MODEL_ID_PLACEHOLDER} with the Hugging Face id of the base" >&2
  exit 2
fi
N="\${1:-$(nvidia-smi -L 2>/dev/null | wc -l)}"
[ "$N" -ge 1 ] 2>/dev/null || N=1
accelerate launch --num_processes "$N" -m axolotl.cli.train axolotl.yaml
# What the studio imports: the adapter, the run marker, and the newest checkpoint's loss history.
cp ${RUN_MARKER_FILE} ${out}/
last=-1
for d in ${out}/checkpoint-*; do
  n="\${d##*-}"
  if [ -f "$d/trainer_state.json" ] && [ "$n" -gt "$last" ] 2>/dev/null; then last="$n"; fi
done
if [ "$last" -ge 0 ]; then cp "${out}/checkpoint-$last/trainer_state.json" ${out}/; fi
files=""
for f in adapter_config.json adapter_model.safetensors ${RUN_MARKER_FILE} trainer_state.json; do
  [ -f "${out}/$f" ] && files="$files ${out}/$f"
done
python3 -m zipfile -c ${out}.zip $files
echo "adapter in ${out}.zip: import it in LoRA Studio (Library → Import)"
`;
}

/** Python packages for `train_trl.py`. Lower bounds: TRL's conversational prompt/completion and `max_length`. */
export function trlRequirements(spec: HandoffSpec): string {
  const lines = [
    'torch>=2.3',
    'transformers>=4.51',
    'peft>=0.15',
    'trl>=0.19',
    'datasets>=3.0',
    'accelerate>=1.3',
    'deepspeed>=0.15',
  ];
  if (spec.quant === 'nf4' || spec.quant === 'int4' || spec.quant === 'int8') lines.push('bitsandbytes>=0.45');
  return lines.join('\n') + '\n';
}
