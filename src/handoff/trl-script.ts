/**
 * `train_trl.py`: the same run on transformers + PEFT + TRL, for users who do not run axolotl. The script is
 * fixed text; the run's settings travel in `job.json` beside it (so no user string is ever spliced into code).
 */
import type { HandoffSpec } from './job-spec';
import type { JobDataKind } from './job-records';
import { EVAL_FILE, TRAIN_FILE } from './axolotl-config';
import { hfScheduler, MODEL_ID_PLACEHOLDER, optimizerArguments } from './job-spec';
import { RUN_MARKER_FILE } from './launch-files';

/** Settings file `train_trl.py` reads. */
export const TRL_SETTINGS_FILE = 'job.json';

/** What `train_trl.py` needs, in TRL's and PEFT's own names where they exist. */
export function trlSettings(spec: HandoffSpec, kind: JobDataKind, hasEval: boolean): string {
  const t = spec.train;
  const l = spec.lora;
  const settings = {
    run_id: spec.runId,
    base_model: spec.modelId ?? MODEL_ID_PLACEHOLDER,
    placeholder: MODEL_ID_PLACEHOLDER,
    method: spec.method,
    data_kind: kind,
    train_file: TRAIN_FILE,
    eval_file: hasEval ? EVAL_FILE : null,
    run_marker: RUN_MARKER_FILE,
    eos_text: spec.markers.eos ?? null,
    quant: spec.quant,
    lora: {
      r: l.rank,
      lora_alpha: l.alpha,
      lora_dropout: l.dropout,
      target_modules: l.targets === 'all-linear' ? 'all-linear' : l.targets,
      layers_to_transform: l.layers,
      use_rslora: l.useRslora,
      use_dora: spec.dora,
      init_lora_weights: l.init === 'gaussian' ? 'gaussian' : true,
      rank_pattern: l.rankPattern,
      alpha_pattern: l.alphaPattern,
    },
    loraplus_lr_ratio: spec.loraPlusRatio,
    args: {
      output_dir: `outputs/${spec.runId}`,
      max_steps: t.steps ?? -1,
      num_train_epochs: t.epochs,
      per_device_train_batch_size: t.batchSize,
      per_device_eval_batch_size: t.batchSize,
      gradient_accumulation_steps: t.gradAccum,
      learning_rate: t.lr,
      lr_scheduler_type: hfScheduler(t),
      ...optimizerArguments(t),
      gradient_checkpointing: spec.checkpointing,
      logging_steps: 1,
      save_steps: t.checkpointEvery > 0 ? t.checkpointEvery : 500,
      eval_steps: t.evalEvery > 0 ? t.evalEvery : null,
      max_length: t.maxSeqLen,
      report_to: 'none',
    },
    packing: spec.render.pack,
    completion_only_loss: spec.render.completionOnly,
    beta: spec.preference.beta,
    dpo_loss: spec.preference.loss,
  };
  return JSON.stringify(settings, null, 1) + '\n';
}

/** The script itself (Python 3.10+). */
export const TRL_SCRIPT = `#!/usr/bin/env python3
"""This LoRA Studio run on transformers + PEFT + TRL.

    pip install -r requirements.txt
    python train_trl.py                                   # one GPU
    accelerate launch --num_processes N train_trl.py      # N GPUs (DDP)
    accelerate launch --num_processes N --use_deepspeed --deepspeed_config_file deepspeed/zero2.json train_trl.py

The settings are in job.json (written by the studio); the data in data/. The adapter lands in outputs/<run id>/
with lora-studio-run.json, so zipping that folder and importing it in the studio matches it to its run.
"""
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
S = json.loads((HERE / "job.json").read_text())


def refuse_placeholder():
    if S["base_model"] == S["placeholder"]:
        sys.exit("job.json has no base model: replace " + S["placeholder"] + " with the Hugging Face id of the base")


def strip_eos(text):
    eos = S["eos_text"]
    return text[: -len(eos)] if eos and text.endswith(eos) else text


def to_trl(record):
    """One job record (axolotl's shape) as the dataset format TRL reads."""
    kind = S["data_kind"]
    if kind == "text":
        return {"text": record["text"]}
    if kind == "segments":
        prompt = "".join(s["text"] for s in record["segments"] if not s["label"])
        completion = "".join(s["text"] for s in record["segments"] if s["label"])
        return {"prompt": prompt, "completion": strip_eos(completion)}
    if kind == "chat":
        messages = [{"role": m["role"], "content": m["content"]} for m in record["messages"]]
        if not S["completion_only_loss"]:
            return {"messages": messages}
        # TRL's conversational prompt/completion: loss on the last assistant turn.
        last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
        return {"prompt": messages[:last], "completion": messages[last : last + 1]}
    if kind == "dpo":
        return {"prompt": record["messages"], "chosen": [record["chosen"]], "rejected": [record["rejected"]]}
    if kind == "orpo":
        system = [{"role": "system", "content": record["system"]}] if "system" in record else []
        return {"prompt": system + record["chosen"][:-1], "chosen": record["chosen"][-1:], "rejected": record["rejected"][-1:]}
    raise ValueError("unknown data kind " + kind)


def load_split(name):
    from datasets import Dataset

    rows = [to_trl(json.loads(line)) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return Dataset.from_list(rows)


def quantization():
    import torch
    from transformers import BitsAndBytesConfig

    if S["quant"] in ("nf4", "int4"):
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                  bnb_4bit_compute_dtype=torch.bfloat16)
    if S["quant"] == "int8":
        return BitsAndBytesConfig(load_in_8bit=True)
    return None


def main():
    refuse_placeholder()
    import torch
    from peft import LoraConfig, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, AutoTokenizer

    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    quant = quantization()
    tokenizer = AutoTokenizer.from_pretrained(S["base_model"])
    model = AutoModelForCausalLM.from_pretrained(
        S["base_model"], quantization_config=quant, torch_dtype=torch.bfloat16 if bf16 else torch.float32)
    if quant is not None:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=S["args"]["gradient_checkpointing"])
    lora = LoraConfig(task_type="CAUSAL_LM", bias="none", **S["lora"])

    args = dict(S["args"])
    eval_steps = args.pop("eval_steps")
    train = load_split(S["train_file"])
    evaluation = load_split(S["eval_file"]) if S["eval_file"] else None
    if evaluation is not None and eval_steps:
        args.update(eval_strategy="steps", eval_steps=eval_steps)
    args.update(bf16=bf16)

    if S["method"] == "sft":
        from trl import SFTConfig as Config, SFTTrainer as Trainer

        config = Config(packing=S["packing"], completion_only_loss=S["completion_only_loss"], **args)
    elif S["method"] == "dpo":
        from trl import DPOConfig as Config, DPOTrainer as Trainer

        # Reference = the base with the adapter switched off (TRL does this for a PEFT model): no second copy.
        config = Config(beta=S["beta"], loss_type=S["dpo_loss"], **args)
    else:
        from trl import ORPOConfig as Config, ORPOTrainer as Trainer

        config = Config(beta=S["beta"], **args)

    trainer = Trainer(model=model, args=config, train_dataset=train, eval_dataset=evaluation,
                      processing_class=tokenizer, peft_config=lora)
    if S["loraplus_lr_ratio"]:
        from peft.optimizers import create_loraplus_optimizer

        trainer.optimizer = create_loraplus_optimizer(
            model=trainer.model, optimizer_cls=torch.optim.AdamW, lr=args["learning_rate"],
            loraplus_lr_ratio=S["loraplus_lr_ratio"], weight_decay=args["weight_decay"],
            betas=(args["adam_beta1"], args["adam_beta2"]), eps=args["adam_epsilon"])
    trainer.train()
    out = Path(args["output_dir"])
    trainer.save_model(str(out))
    trainer.state.save_to_json(str(out / "trainer_state.json"))
    shutil.copy(HERE / S["run_marker"], out / S["run_marker"])
    if trainer.is_world_process_zero():
        import zipfile

        with zipfile.ZipFile(str(out) + ".zip", "w") as z:
            for name in ("adapter_config.json", "adapter_model.safetensors", S["run_marker"], "trainer_state.json"):
                if (out / name).exists():
                    z.write(out / name, name)
        print("adapter in", str(out) + ".zip", "- import it in LoRA Studio (Library -> Import)")


if __name__ == "__main__":
    main()
`;
