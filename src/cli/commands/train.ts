/**
 * `train --model DIR --data FILE... --out DIR [--rank 8] [--alpha 16] [--dropout 0.05]
 *  [--targets all-linear|q_proj,v_proj] [--layers 0,1,..] [--rslora] [--init kaiming|gaussian] [--lr 2e-4]
 *  [--steps N | --epochs E] [--batch B] [--grad-accum G] [--seq-len L] [--warmup W] [--schedule cosine|linear|constant]
 *  [--weight-decay WD] [--max-grad-norm N] [--quant f32|f16|int8|int4|nf4] [--group-size G] [--eval-split F]
 *  [--eval-every N] [--seed S] [--skip-invalid] [--checkpoint-every N] [--resume] [--on-nan stop|retry-half-lr]
 *  [--dtype F32|F16|BF16] [--llama-cpp] [--no-checkpointing] [--backend wasm|cpu|webgpu] [--gpu swiftshader|system]
 *  [--embeddings f32|f16] [--method sft|dpo|orpo] [--beta 0.1] [--loss sigmoid|ipo] [--dora] [--lora-plus-ratio R]`
 *  (+ the dataset flags of `data check`)
 *
 * `--method dpo|orpo` trains on preference pairs ({"prompt","chosen","rejected"}); each step's JSON then also carries
 * TRL's metrics (rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins, logps/chosen, logps/rejected).
 * `--beta` is DPO's β or ORPO's λ; `--dora` trains DoRA; `--lora-plus-ratio` gives B that many times the lr.
 *
 * Trains a LoRA adapter and writes it as a PEFT folder (adapter_config.json, adapter_model.safetensors) plus
 * trainer_state.json. stdout carries one JSON object per optimizer step and, last, one summary line with the
 * measured peak memory against the studio's estimate (train-summary.ts); everything else goes to stderr.
 * Checkpoints go to OUT/checkpoints; Ctrl-C stops at the next step boundary after saving one, and --resume continues
 * the same loss curve.
 */
import { mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withMemoryPeak } from '../../backend/memory-probe';
import { fileDatasetInput } from '../../data/node-input.node.js';
import { DatasetOptionsError, prepareDataset } from '../../data/prepare';
import { promptFormatOf } from '../../data/prompt-format';
import { reportForTraining } from '../../data/report';
import { findOutOfVocab, outOfVocabMessage } from '../../data/vocab-check';
import { exportPeft } from '../../lora/peft';
import type { FloatDtype } from '../../formats/safetensors';
import { checkRankFits } from '../../lora/config';
import { DEFAULT_LORA_CONFIG, loraConfigProblems, targetNames, type LoraConfig } from '../../spec/lora-config';
import type { SpecProblem } from '../../spec/problems';
import type { LoraAdapter } from '../../lora/lora-adapter';
import type { DecoderModel } from '../../model/llama';
import { loadModelConfig, type ModelConfig } from '../../model/config';
import { layerLinearShapes } from '../../model/memory-estimate';
import { loadModel } from '../../model/load';
import { readJson, type ModelFiles } from '../../spec/model-files';
import { loadTokenizer } from '../../tokenizer/load';
import { FileCheckpointStore } from '../../train/checkpoint-store.node.js';
import { createLoraRun } from '../../train/lora-run';
import {
  DEFAULT_BETA,
  DEFAULT_TRAIN_CONFIG,
  PREFERENCE_LOSSES,
  TRAIN_METHODS,
  trainConfigProblems,
  type PreferenceLoss,
  type TrainConfig,
  type TrainMethod,
} from '../../spec/train-config';
import type { Trainer, TrainResult } from '../../train/trainer';
import { defaultEmbeddings } from '../../engine/model/facts';
import { estimateRunMemory } from '../../train/run-estimate';
import { initBackendFlag } from '../backend-flag';
import { CliError, flag, parseFlags, requiredFlag, type CliCommand } from '../command';
import { datasetOptionsFromFlags } from './data';
import { asCliError, modelFolderFlag, quantFlags, warn } from './score';
import { JsHeapPeak, trainSummary } from './train-summary';
import { jsonLine } from '../../util/json-line';

type Flags = Map<string, string[]>;

function num(
  flags: Flags,
  name: string,
  fallback: number,
  ok: (v: number) => boolean = Number.isFinite,
  what = 'a number',
): number {
  const raw = flag(flags, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw === 'true' || !Number.isFinite(v) || !ok(v)) throw new CliError(`--${name} must be ${what}; got '${raw}'`);
  return v;
}

/** The flag of each setting src/spec checks, so its message can name what to change on the command line. */
const FLAG_OF: Record<string, string> = {
  'lora.rank': 'rank',
  'lora.alpha': 'alpha',
  'lora.dropout': 'dropout',
  'lora.targets': 'targets',
  'train.lr': 'lr',
  'train.warmupSteps': 'warmup',
  'train.steps': 'steps',
  'train.epochs': 'epochs',
  'train.batchSize': 'batch',
  'train.gradAccum': 'grad-accum',
  'train.maxSeqLen': 'seq-len',
  'train.maxGradNorm': 'max-grad-norm',
};

/** Throws the spec's own messages (one validation for the form, the engine and the CLI), each naming its flag. */
function throwProblems(problems: SpecProblem[]): void {
  if (problems.length)
    throw new CliError(
      problems.map((p) => (FLAG_OF[p.field] ? `--${FLAG_OF[p.field]}: ${p.message}` : p.message)).join('\n'),
    );
}

/** LoRA settings from the flags. */
export function loraConfigFromFlags(flags: Flags): LoraConfig {
  const targets = flag(flags, 'targets', 'all-linear')!;
  const layers = flag(flags, 'layers');
  const init = flag(flags, 'init', 'kaiming');
  if (init !== 'kaiming' && init !== 'gaussian')
    throw new CliError(`--init must be kaiming or gaussian; got '${init}'`);
  const config: LoraConfig = {
    ...DEFAULT_LORA_CONFIG,
    rank: num(flags, 'rank', DEFAULT_LORA_CONFIG.rank),
    alpha: num(flags, 'alpha', DEFAULT_LORA_CONFIG.alpha),
    dropout: num(flags, 'dropout', DEFAULT_LORA_CONFIG.dropout),
    targets:
      targets === 'all-linear'
        ? 'all-linear'
        : targets
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    layers: layers
      ? layers.split(',').map((s) => {
          const i = Number(s);
          if (!Number.isInteger(i) || i < 0)
            throw new CliError(`--layers must be comma-separated layer indices; got '${layers}'`);
          return i;
        })
      : null,
    useRslora: flags.has('rslora'),
    init,
    ...(flags.has('dora') ? { useDora: true } : {}),
  };
  throwProblems(loraConfigProblems(config));
  return config;
}

/** `--method`, `--beta`, `--loss`, `--lora-plus-ratio` (issue 19), absent ones left out of the config. */
function methodFromFlags(flags: Flags): Pick<TrainConfig, 'method' | 'beta' | 'preferenceLoss' | 'loraPlusRatio'> {
  const out: Pick<TrainConfig, 'method' | 'beta' | 'preferenceLoss' | 'loraPlusRatio'> = {};
  const method = flag(flags, 'method');
  if (method !== undefined) {
    if (!TRAIN_METHODS.some((m) => m === method))
      throw new CliError(`--method must be ${TRAIN_METHODS.join(', ')}; got '${method}'`);
    out.method = method as TrainMethod;
  }
  const loss = flag(flags, 'loss');
  if (loss !== undefined) {
    if (!PREFERENCE_LOSSES.some((l) => l === loss))
      throw new CliError(`--loss must be ${PREFERENCE_LOSSES.join(' or ')}; got '${loss}'`);
    out.preferenceLoss = loss as PreferenceLoss;
  }
  if (flags.has('beta')) out.beta = num(flags, 'beta', DEFAULT_BETA, (v) => v > 0, 'a number > 0');
  if (flags.has('lora-plus-ratio')) out.loraPlusRatio = num(flags, 'lora-plus-ratio', 1, (v) => v > 0, 'a number > 0');
  return out;
}

/** Training hyper-parameters from the flags. */
export function trainConfigFromFlags(flags: Flags): TrainConfig {
  const d = DEFAULT_TRAIN_CONFIG;
  const schedule = flag(flags, 'schedule', d.schedule) as TrainConfig['schedule'];
  if (!['constant', 'linear', 'cosine'].includes(schedule))
    throw new CliError(`--schedule must be constant, linear or cosine; got '${schedule}'`);
  const onNan = flag(flags, 'on-nan', d.onNonFinite) as TrainConfig['onNonFinite'];
  if (onNan !== 'stop' && onNan !== 'retry-half-lr')
    throw new CliError(`--on-nan must be stop or retry-half-lr; got '${onNan}'`);
  if (flags.has('steps') && flags.has('epochs')) throw new CliError('pass --steps or --epochs, not both');
  const config: TrainConfig = {
    ...d,
    lr: num(flags, 'lr', d.lr),
    schedule,
    warmupSteps: num(flags, 'warmup', d.warmupSteps),
    steps: flags.has('steps') ? num(flags, 'steps', 1) : null,
    epochs: num(flags, 'epochs', d.epochs),
    batchSize: num(flags, 'batch', d.batchSize),
    gradAccum: num(flags, 'grad-accum', d.gradAccum),
    maxSeqLen: num(flags, 'seq-len', d.maxSeqLen),
    maxGradNorm: num(flags, 'max-grad-norm', d.maxGradNorm),
    adamw: { ...d.adamw, weightDecay: num(flags, 'weight-decay', d.adamw.weightDecay, (v) => v >= 0, 'a number ≥ 0') },
    evalEvery: num(flags, 'eval-every', d.evalEvery, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'),
    checkpointEvery: num(
      flags,
      'checkpoint-every',
      d.checkpointEvery,
      (v) => Number.isInteger(v) && v >= 0,
      'an integer ≥ 0',
    ),
    seed: num(flags, 'seed', d.seed, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
    onNonFinite: onNan,
    ...methodFromFlags(flags),
  };
  throwProblems(trainConfigProblems(config));
  return config;
}

async function prepareData(flags: Flags, files: ModelFiles, train: TrainConfig) {
  const dataFiles = flags.get('data')?.filter((v) => v !== 'true') ?? [];
  if (dataFiles.length === 0) throw new CliError('--data FILE is required (repeat it for several files)');
  const tokenizer = await loadTokenizer(files).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const inputs = await Promise.all(dataFiles.map((f) => fileDatasetInput(f))).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const options = { ...datasetOptionsFromFlags(flags), maxSeqLen: train.maxSeqLen, seed: train.seed };
  const result = await prepareDataset(inputs, tokenizer, options).catch((e: Error) => {
    throw e instanceof DatasetOptionsError ? new CliError(e.message) : e;
  });
  const format = promptFormatOf(result.shape, options.template, tokenizer.hasChatTemplate, options.templateVariables);
  const ctx = { maxSeqLen: train.maxSeqLen, lengthName: '--seq-len', format };
  if (!reportForTraining(result, ctx, (l) => process.stderr.write(`${l}\n`))) return null;
  const s = result.stats;
  process.stderr.write(
    `data: ${result.train.length} train / ${result.eval.length} eval examples, ${s.trainableTokens} loss tokens, ` +
      `${s.truncated} truncated to ${train.maxSeqLen} tokens\n`,
  );
  return result;
}

async function baseModelName(files: ModelFiles, dir: string): Promise<string> {
  const cfg = await readJson<Record<string, unknown>>(files, 'config.json').catch(
    () => ({}) as Record<string, unknown>,
  );
  return typeof cfg._name_or_path === 'string' && cfg._name_or_path ? cfg._name_or_path : path.resolve(dir);
}

async function writeOutputs(
  out: string,
  adapter: LoraAdapter,
  flags: Flags,
  base: string,
  result: TrainResult,
  config: object,
) {
  const dtype = flag(flags, 'dtype', 'F32')!.toUpperCase() as FloatDtype;
  const files = await exportPeft(adapter, { baseModel: base, dtype, llamaCpp: flags.has('llama-cpp') });
  await mkdir(out, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(out, name), bytes);
  const state = {
    status: result.status,
    step: result.step,
    totalSteps: result.totalSteps,
    truncated: result.truncated,
    message: result.message ?? null,
    config,
    metrics: result.metrics,
  };
  await writeFile(path.join(out, 'trainer_state.json'), JSON.stringify(JSON.parse(jsonLine(state)), null, 1) + '\n');
}

function runTrainer(trainer: Trainer, jsHeap: JsHeapPeak): Promise<TrainResult> {
  trainer.on((e) => {
    if (e.type === 'step') {
      process.stdout.write(jsonLine(e.metrics) + '\n');
      jsHeap.sample();
    } else if (e.type === 'rollback') process.stderr.write(`${e.message}\n`);
  });
  const onSigint = () => {
    process.stderr.write('stopping after this step (checkpoint will be saved)…\n');
    trainer.stop();
  };
  process.once('SIGINT', onSigint);
  return trainer.run().finally(() => process.off('SIGINT', onSigint));
}

/** `--embeddings f32|f16`; the default is the studio's for the backend (f16 on WebGPU). */
function embeddingsFlag(flags: Flags, fallback: 'f32' | 'f16'): 'f32' | 'f16' {
  const v = flag(flags, 'embeddings', fallback);
  if (v !== 'f32' && v !== 'f16') throw new CliError(`--embeddings must be f32 or f16; got '${v}'`);
  return v;
}

type Prepared = NonNullable<Awaited<ReturnType<typeof prepareData>>>;

/** Trains; resolves to the exit code and the trainer's result (for the summary line). */
async function train(
  flags: Flags,
  model: DecoderModel,
  files: ModelFiles,
  data: Prepared,
  cfg: { lora: LoraConfig; train: TrainConfig },
  jsHeap: JsHeapPeak,
): Promise<{ code: number; result: TrainResult }> {
  const out = flag(flags, 'out')!;
  const run = await createLoraRun({
    model,
    lora: cfg.lora,
    train: cfg.train,
    data: { train: data.train, eval: data.eval },
    runId: 'run',
    store: new FileCheckpointStore(path.join(out, 'checkpoints')),
    resume: flags.has('resume'),
    // Layer recomputation is the default (as in unsloth): activations would otherwise be kept for every layer.
    checkpointing: !flags.has('no-checkpointing'),
  }).catch((e: Error) => {
    throw new CliError(flags.has('resume') ? `--resume: ${e.message}` : e.message);
  });
  const { trainer, adapter } = run;
  process.stderr.write(
    `trainable: ${run.trainableParameters} parameters (${(run.trainableShare * 100).toFixed(3)}% of ${model.parameterCount()}) in ${adapter.modules.size} modules\n`,
  );
  if (flags.has('resume')) {
    process.stderr.write(
      run.resumedAt > 0
        ? `resuming at step ${run.resumedAt} of ${trainer.totalSteps}\n`
        : 'no checkpoint found: starting from step 0\n',
    );
  }
  try {
    const result = await runTrainer(trainer, jsHeap);
    if (result.status === 'failed') throw new CliError(`${result.message} Run again with --resume.`);
    if (result.status === 'diverged') {
      // The rollback message was printed as it happened; the adapter is the untrained (or last good) one, so
      // writing it would pass a failed run off as a result.
      throw new CliError(`training diverged at step ${result.step + 1}; no adapter was written to ${out}`);
    }
    await writeOutputs(out, adapter, flags, await baseModelName(files, flag(flags, 'model')!), result, cfg);
    const done =
      result.status === 'stopped'
        ? `stopped at step ${result.step}; continue with --resume`
        : `finished ${result.step} steps`;
    process.stderr.write(`${done}; adapter written to ${path.resolve(out)}\n`);
    return { code: 0, result };
  } finally {
    run.dispose();
  }
}

/**
 * `--seq-len` against the model's context: an explicit value above max_position_embeddings is refused (training
 * past the context teaches positions the model never had); the default is clamped to it with a note.
 */
function fitSeqLen(flags: Flags, train: TrainConfig, context: number): TrainConfig {
  if (train.maxSeqLen <= context) return train;
  if (flags.has('seq-len'))
    throw new CliError(
      `--seq-len ${train.maxSeqLen} is longer than the model's context (${context} tokens, max_position_embeddings)`,
    );
  process.stderr.write(
    `note: sequence length ${train.maxSeqLen} clamped to the model's context of ${context} tokens\n`,
  );
  return { ...train, maxSeqLen: context };
}

/** `--rank` against the targeted projections' shapes, from config.json alone (before anything is allocated). */
function checkRankAgainstShapes(lora: LoraConfig, c: ModelConfig): void {
  for (const l of layerLinearShapes(c)) {
    if (!targetNames(lora).includes(l.name)) continue;
    try {
      checkRankFits(lora.rank, { path: l.name, inFeatures: l.shape[1], outFeatures: l.shape[0] }, '--rank');
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
}

/** A batch larger than the training set is capped to it (a huge one would exhaust memory building rows). */
function fitBatch(train: TrainConfig, examples: number): TrainConfig {
  if (train.batchSize <= examples) return train;
  process.stderr.write(
    `note: --batch ${train.batchSize} is larger than the ${examples} training examples; using ${examples}\n`,
  );
  return { ...train, batchSize: examples };
}

/**
 * `--out` must be a folder we can write, checked before step 1 (it used to fail after the whole run). Returns
 * whether the folder was created here, so a run that writes nothing can remove it again.
 */
async function checkOutWritable(out: string): Promise<boolean> {
  const info = await stat(out).catch(() => null);
  if (info && !info.isDirectory()) throw new CliError(`--out ${out} is a file; give a folder for the adapter`);
  try {
    if (!info) await mkdir(out, { recursive: true });
    const probe = path.join(out, `.write-test-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (e) {
    throw new CliError(
      `--out ${out} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was trained`,
    );
  }
  return !info;
}

export const trainCommand: CliCommand = {
  summary: 'train a LoRA adapter on a dataset; writes a PEFT folder, one JSON line per step',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const out = requiredFlag(flags, 'out', 'DIR');
    const files = await modelFolderFlag(flags);
    const { mode, factory } = quantFlags(flags, 'f32');
    const modelConfig = await loadModelConfig(files).catch(asCliError);
    const cfg = {
      lora: loraConfigFromFlags(flags),
      train: fitSeqLen(flags, trainConfigFromFlags(flags), modelConfig.maxPositionEmbeddings),
    };
    checkRankAgainstShapes(cfg.lora, modelConfig);
    const dtype = flag(flags, 'dtype', 'F32')!.toUpperCase();
    if (!['F32', 'F16', 'BF16'].includes(dtype)) throw new CliError(`--dtype must be F32, F16 or BF16; got '${dtype}'`);
    const data = await prepareData(flags, files, cfg.train);
    if (!data) return 1;
    const bad = findOutOfVocab(data.train, modelConfig.vocab) ?? findOutOfVocab(data.eval, modelConfig.vocab);
    if (bad)
      throw new CliError(
        outOfVocabMessage(bad, modelConfig.vocab, `${files.label}/tokenizer.json`, `${files.label}/config.json`),
      );
    cfg.train = fitBatch(cfg.train, data.train.length);
    const created = await checkOutWritable(out);
    try {
      const backend = await initBackendFlag(flags);
      const embeddings = embeddingsFlag(flags, defaultEmbeddings(backend));
      const checkpointing = !flags.has('no-checkpointing');
      const jsHeap = new JsHeapPeak();
      // Measured from before the weights load, so the peak holds the base as well as the step.
      const { result: run, peak } = await withMemoryPeak(async () => {
        const model = await loadModel(files, { linearFactory: factory, embeddings, onWarning: warn }).catch(asCliError);
        try {
          const longestExample = data.train.reduce((m, e) => Math.max(m, e.ids.length), 0);
          const estimate = estimateRunMemory(model, cfg.lora, {
            quant: mode,
            embeddings,
            train: cfg.train,
            longestExample,
            checkpointing,
            backend,
          });
          return { ...(await train(flags, model, files, data, cfg, jsHeap)), estimate };
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw new CliError((e as Error).message);
        } finally {
          model.dispose();
        }
      });
      const settings = { quant: mode, embeddings, seqLen: run.estimate.seqLen, checkpointing };
      const summary = trainSummary({
        backend,
        steps: run.result.step,
        status: run.result.status,
        peak,
        estimate: run.estimate.memory,
        jsHeap,
        settings,
      });
      process.stdout.write(jsonLine(summary) + '\n');
      return run.code;
    } catch (e) {
      // A run that ends without an adapter leaves no folder behind that it created; saved checkpoints (for
      // --resume) keep theirs, since rmdir only removes empty folders.
      if (created)
        for (const d of [path.join(out, 'checkpoints', 'run'), path.join(out, 'checkpoints'), out])
          await rmdir(d).catch(() => undefined);
      throw e;
    }
  },
};
