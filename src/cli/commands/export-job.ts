/**
 * `export-job (--model DIR | --model-id HF_ID) --data FILE... --out DIR [--zip]` plus the training flags of `train`
 * (`--rank --alpha --dropout --targets --layers --rslora --dora --init --lr --schedule --warmup --steps|--epochs
 * --batch --grad-accum --seq-len --weight-decay --max-grad-norm --quant --eval-split --seed --method sft|dpo|orpo
 * --beta --loss sigmoid|ipo --lora-plus-ratio R --no-checkpointing`) and the dataset flags of `data check`
 * (`--template --mapping --pack --skip-invalid …`).
 *
 * Writes a folder that runs the same training on a GPU cluster with axolotl (`launch.sh`) or TRL (`train_trl.py`),
 * and with `--zip` also `DIR.zip`. Warnings for settings the cluster trainers cannot express go to stderr; stdout
 * carries one JSON line: `{"out", "zip", "kind", "train", "eval", "warnings"}`.
 */
import { mkdir, writeFile, chmod, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../../export/file-sink.node.js';
import { fileDatasetInput } from '../../data/node-input.node.js';
import { formatProblems, ProblemLog } from '../../data/problems';
import { readFileExamples } from '../../data/read-file';
import { CHAT_TEMPLATE, DEFAULT_PROMPT_TEMPLATE, templateError } from '../../data/template';
import type { DatasetInput, FileSummary, NormalizedExample, PrepareOptions } from '../../data/types';
import { buildHandoffJob, HandoffError, zipJob, type JobData } from '../../handoff/handoff-job';
import { tokenMarkers, type HandoffSpec, type TokenMarkers, type TrainMethod } from '../../handoff/job-spec';
import { isHubId } from '../../hub/names';
import { preferencePair } from '../../handoff/preference-records';
import { readJson, type ModelFiles } from '../../spec/model-files';
import { loadTokenizer } from '../../tokenizer/load';
import { CliError, flag, parseFlags, refuseControlChars, requiredFlag, type CliCommand } from '../command';
import { datasetOptionsFromFlags } from './data';
import { modelFolderFlag, quantFlags } from './score';
import { loraConfigFromFlags, trainConfigFromFlags } from './train';

type Flags = Map<string, string[]>;

/** What the base folder tells: its hub id, the template default, and the tokenizer's special-token text. */
interface BaseFacts {
  modelId: string | null;
  hasChatTemplate: boolean;
  markers: TokenMarkers;
}

async function baseFacts(flags: Flags): Promise<BaseFacts> {
  const id = flag(flags, 'model-id');
  if (flags.has('model') && id !== undefined) throw new CliError('pass --model DIR or --model-id HF_ID, not both');
  if (id !== undefined) {
    if (!isHubId(id))
      throw new CliError(`--model-id must be a Hugging Face id like Qwen/Qwen2.5-0.5B-Instruct; got '${id}'`);
    // Without the files we cannot see the tokenizer: assume an instruct base with a chat template.
    return { modelId: id, hasChatTemplate: true, markers: {} };
  }
  if (!flags.has('model')) throw new CliError('--model DIR or --model-id HF_ID is required');
  const files: ModelFiles = await modelFolderFlag(flags);
  const cfg = await readJson<Record<string, unknown>>(files, 'config.json').catch(
    () => ({}) as Record<string, unknown>,
  );
  const named = typeof cfg._name_or_path === 'string' ? cfg._name_or_path : '';
  const tok = await loadTokenizer(files).catch((e: Error) => {
    throw new CliError(e.message);
  });
  return {
    modelId: isHubId(named) ? named : null,
    hasChatTemplate: tok.hasChatTemplate,
    markers: tokenMarkers(tok),
  };
}

function method(flags: Flags): TrainMethod {
  const m = flag(flags, 'method', 'sft')!;
  if (m !== 'sft' && m !== 'dpo' && m !== 'orpo') throw new CliError(`--method must be sft, dpo or orpo; got '${m}'`);
  return m;
}

function positive(flags: Flags, name: string, fallback: number | null): number | null {
  const raw = flag(flags, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!(v > 0) || !Number.isFinite(v)) throw new CliError(`--${name} must be a number > 0; got '${raw}'`);
  return v;
}

/** The run as a hand-off spec; `runId` is fresh unless `--run-id` names the studio run. */
export function handoffSpecFromFlags(flags: Flags, facts: BaseFacts, data: PrepareOptions): HandoffSpec {
  const template = data.template ?? (facts.hasChatTemplate ? CHAT_TEMPLATE : DEFAULT_PROMPT_TEMPLATE);
  const problem = templateError(template);
  if (problem) throw new CliError(`--template: ${problem}`);
  const loss = flag(flags, 'loss', 'sigmoid');
  if (loss !== 'sigmoid' && loss !== 'ipo') throw new CliError(`--loss must be sigmoid or ipo; got '${loss}'`);
  const train = trainConfigFromFlags(flags);
  const runId = flag(flags, 'run-id') ?? `run-${Date.now().toString(36)}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$/.test(runId))
    throw new CliError(`--run-id must be letters, digits, '.', '_' or '-'; got '${runId}'`);
  return {
    runId,
    modelId: facts.modelId,
    lora: loraConfigFromFlags(flags),
    dora: flags.has('dora'),
    loraPlusRatio: positive(flags, 'lora-plus-ratio', null),
    train,
    quant: quantFlags(flags, 'f32').mode,
    checkpointing: !flags.has('no-checkpointing'),
    method: method(flags),
    preference: { beta: positive(flags, 'beta', 0.1)!, loss },
    render: { template, completionOnly: true, pack: data.pack ?? false, evalSplit: data.evalSplit ?? 0 },
    markers: facts.markers,
  };
}

async function readExamples(
  inputs: DatasetInput[],
  mapping: PrepareOptions['mapping'],
  log: ProblemLog,
): Promise<NormalizedExample[]> {
  const out: NormalizedExample[] = [];
  for (const input of inputs) {
    const summary: FileSummary = { file: input.name, format: null, mapping: null, records: 0, badRecords: 0 };
    for await (const { example } of readFileExamples(input, mapping, log, summary)) out.push(example);
  }
  return out;
}

async function readData(flags: Flags, mapping: PrepareOptions['mapping'], spec: HandoffSpec): Promise<JobData> {
  const dataFiles = flags.get('data')?.filter((v) => v !== 'true') ?? [];
  if (dataFiles.length === 0) throw new CliError('--data FILE is required (repeat it for several files)');
  const inputs = await Promise.all(dataFiles.map((f) => fileDatasetInput(f))).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const log = new ProblemLog();
  // The same detection and FILE:LINE problems as `train` and `data check`.
  const examples = await readExamples(inputs, mapping, log);
  if (log.count > 0) {
    for (const line of formatProblems(log.problems, log.count)) process.stderr.write(`${line}\n`);
    if (!flags.has('skip-invalid'))
      throw new CliError(
        `${log.count} problem(s) in the data; fix them or pass --skip-invalid to leave those records out`,
      );
  }
  const pairs = examples.flatMap((ex) => (ex.kind === 'preference' ? [preferencePair(ex)] : []));
  if (pairs.length > 0 && pairs.length < examples.length)
    throw new CliError('the data mixes preference pairs with other records; hand them over as separate jobs');
  if (spec.method === 'sft' && pairs.length > 0)
    throw new CliError('the data holds preference pairs ({"prompt","chosen","rejected"}): pass --method dpo or orpo');
  return pairs.length > 0 ? { kind: 'preference', pairs } : { kind: 'sft', examples };
}

/** `DIR.zip` beside the job folder `DIR` (a trailing separator dropped). */
function zipPath(out: string): string {
  return `${out.replace(/[\\/]+$/, '')}.zip`;
}

async function refuseExisting(out: string, zip: boolean): Promise<void> {
  refuseControlChars('out', out);
  const zipFile = zipPath(out);
  if (zip && (await stat(zipFile).catch(() => null))?.isDirectory())
    throw new CliError(`--zip: ${zipFile} is a folder; move it or leave out --zip`);
  const info = await stat(out).catch(() => null);
  if (info && !info.isDirectory()) throw new CliError(`--out ${out} is a file; give a folder`);
  if (info) {
    const marker = await stat(path.join(out, 'axolotl.yaml')).catch(() => null);
    if (!marker) throw new CliError(`--out ${out} exists and is not a job folder; give a new folder`);
  }
}

/**
 * Writes the job folder (and the zip) or nothing: on any failure the folder is removed when this run created it,
 * and a half-written zip is removed, so a retry starts clean.
 */
async function writeJob(
  out: string,
  files: Record<string, string>,
  zip: { file: string; bytes(): Uint8Array } | null,
): Promise<void> {
  const created = !(await stat(out).catch(() => null));
  try {
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(out, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
      if (name === 'launch.sh' || name === 'train_trl.py') await chmod(file, 0o755);
    }
    if (zip) await writeFileAtomically(zip.file, (sink) => sink.write(zip.bytes()));
  } catch (e) {
    if (created) await rm(out, { recursive: true, force: true });
    throw e;
  }
}

export const exportJobCommand: CliCommand = {
  summary: 'write an axolotl / TRL job folder that runs this training on a GPU cluster',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const out = requiredFlag(flags, 'out', 'DIR');
    await refuseExisting(out, flags.has('zip'));
    // The dataset flags are parsed once: the template and split go into the spec, the mapping into the reader.
    const facts = await baseFacts(flags);
    const dataOptions = datasetOptionsFromFlags(flags);
    const spec = handoffSpecFromFlags(flags, facts, dataOptions);
    const data = await readData(flags, dataOptions.mapping, spec);
    let job;
    try {
      job = buildHandoffJob(spec, data);
    } catch (e) {
      if (e instanceof HandoffError) throw new CliError(e.message);
      throw e;
    }
    for (const w of job.warnings) process.stderr.write(`warning: ${w}\n`);
    const zip = flags.has('zip') ? zipPath(out) : null;
    await writeJob(out, job.files, zip === null ? null : { file: zip, bytes: () => zipJob(job, spec.runId) });
    const line = {
      out: path.resolve(out),
      zip: zip && path.resolve(zip),
      runId: spec.runId,
      kind: job.kind,
      train: job.trainCount,
      eval: job.evalCount,
      warnings: job.warnings,
    };
    process.stdout.write(JSON.stringify(line) + '\n');
    process.stderr.write(
      `job written to ${path.resolve(out)}: bash launch.sh (axolotl) or python train_trl.py (TRL); see README.md\n`,
    );
    return 0;
  },
};
