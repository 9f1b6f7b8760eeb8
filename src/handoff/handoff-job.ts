/**
 * Builds a cluster hand-off job from a run's settings and its validated records: every file of the job folder as
 * text, plus the warnings for settings the cluster trainers cannot express. `zipJob` packs it for the studio's
 * download. Pure and tensor-free: the studio (worker) and the CLI call the same function.
 */
import { zipSync, strToU8, type Zippable } from 'fflate';
import { dump } from 'js-yaml';
import { splitTrainEval } from '../data/split';
import type { NormalizedExample } from '../data/types';
import { axolotlConfig, DEEPSPEED_FILE, EVAL_FILE, TRAIN_FILE } from './axolotl-config';
import { jobReadme } from './job-readme';
import { hasUntrainedTurns, preferenceRecord, sftKind, sftRecord, type JobDataKind } from './job-records';
import type { HandoffSpec } from './job-spec';
import { deepspeedZero2, launchScript, runMarker, RUN_MARKER_FILE, trlRequirements } from './launch-files';
import type { PreferenceExample } from './preference-records';
import type { Segment } from './rendered-records';
import { TRL_SCRIPT, TRL_SETTINGS_FILE, trlSettings } from './trl-script';

/**
 * The records of a job: SFT examples or preference pairs (split here, with the studio's seeded split), or a
 * studio dataset already rendered, masked and split (`rendered`: input_output segments per example).
 */
export type JobData =
  | { kind: 'sft'; examples: readonly NormalizedExample[] }
  | { kind: 'preference'; pairs: readonly PreferenceExample[] }
  | { kind: 'rendered'; train: readonly Segment[][]; eval: readonly Segment[][] };

/** A job that cannot be built; the message is for the user. */
export class HandoffError extends Error {
  override name = 'HandoffError';
}

/** The job folder's files (path → text) and what the user must know about it. */
export interface HandoffJob {
  files: Record<string, string>;
  warnings: string[];
  kind: JobDataKind;
  trainCount: number;
  evalCount: number;
}

function dataKind(spec: HandoffSpec, data: JobData): JobDataKind {
  if (data.kind === 'rendered') {
    if (spec.method !== 'sft')
      throw new HandoffError(`a ${spec.method} job needs preference pairs; the stored dataset is supervised`);
    return 'segments';
  }
  if (spec.method !== 'sft') {
    if (data.kind !== 'preference')
      throw new HandoffError(`--method ${spec.method} needs preference pairs ({"prompt","chosen","rejected"})`);
    return spec.method;
  }
  if (data.kind !== 'sft' || data.examples.some((ex) => ex.kind === 'preference')) {
    throw new HandoffError('preference pairs train with --method dpo or orpo, not sft');
  }
  const kinds = new Set(data.examples.map((ex) => sftKind(ex, spec.render.template)));
  if (kinds.size > 1) {
    throw new HandoffError(
      `the records mix shapes that axolotl reads with different dataset types (${[...kinds].join(', ')}); export one job per shape`,
    );
  }
  const [kind] = kinds;
  return kind ?? 'text';
}

const jsonl = (records: readonly Record<string, unknown>[]) =>
  records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');

type Item = NormalizedExample | PreferenceExample | Segment[];

/** Train and eval items: the studio's split (same seed, same PRNG, file order) unless the data comes split. */
function splitItems(spec: HandoffSpec, data: JobData): { train: readonly Item[]; eval: readonly Item[] } {
  if (data.kind === 'rendered') return { train: data.train, eval: data.eval };
  const items: readonly Item[] = data.kind === 'sft' ? data.examples : data.pairs;
  return splitTrainEval(items, spec.render.evalSplit, spec.train.seed, false);
}

function recordOf(x: Item, data: JobData, kind: JobDataKind, spec: HandoffSpec): Record<string, unknown> {
  if (data.kind === 'rendered') return { segments: x as Segment[] };
  return data.kind === 'sft'
    ? sftRecord(x as NormalizedExample, spec)
    : preferenceRecord(x as PreferenceExample, kind as 'dpo' | 'orpo');
}

/** Every file of the job. Throws `HandoffError` for data that cannot be handed over. */
export function buildHandoffJob(spec: HandoffSpec, data: JobData, createdAt = new Date().toISOString()): HandoffJob {
  const kind = dataKind(spec, data);
  // The cluster evaluates exactly the studio's eval set.
  const split = splitItems(spec, data);
  if (split.train.length === 0) throw new HandoffError('no usable records to hand over');
  const toRecord = (x: Item) => recordOf(x, data, kind, spec);
  const hasEval = split.eval.length > 0;
  const untrained = data.kind === 'sft' && hasUntrainedTurns(data.examples);
  const { config, warnings } = axolotlConfig(spec, kind, hasEval, untrained);
  const header = [`# LoRA Studio run ${spec.runId}: see README.md`, ...warnings.map((w) => `# note: ${w}`)].join('\n');
  const files: Record<string, string> = {
    'axolotl.yaml': `${header}\n${dump(config, { lineWidth: 120, noRefs: true })}`,
    [TRAIN_FILE]: jsonl(split.train.map(toRecord)),
    ...(hasEval ? { [EVAL_FILE]: jsonl(split.eval.map(toRecord)) } : {}),
    [DEEPSPEED_FILE]: deepspeedZero2(),
    'launch.sh': launchScript(spec),
    'train_trl.py': TRL_SCRIPT,
    [TRL_SETTINGS_FILE]: trlSettings(spec, kind, hasEval),
    'requirements.txt': trlRequirements(spec),
    [RUN_MARKER_FILE]: runMarker(spec, createdAt),
  };
  files['README.md'] = jobReadme(spec, kind, { train: split.train.length, eval: split.eval.length }, warnings);
  return { files, warnings, kind, trainCount: split.train.length, evalCount: split.eval.length };
}

const EXECUTABLE = new Set(['launch.sh', 'train_trl.py']);

/** The job as one zip under a top folder `job-<run id>/`; the scripts keep their executable bit. */
export function zipJob(job: HandoffJob, runId: string): Uint8Array {
  const tree: Zippable = {};
  for (const [name, text] of Object.entries(job.files)) {
    // Unix (os 3) permission bits live in the high half of the external attributes.
    tree[`job-${runId}/${name}`] = [
      strToU8(text),
      { os: 3, attrs: (EXECUTABLE.has(name) ? 0o100755 : 0o100644) << 16 },
    ];
  }
  return zipSync(tree, { level: 6 });
}
