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
import { TRL_SCRIPT, TRL_SETTINGS_FILE, trlSettings } from './trl-script';

/** The records of a job: SFT examples, or preference pairs for DPO/ORPO. */
export type JobData = { kind: 'sft'; examples: readonly NormalizedExample[] } | { kind: 'preference'; pairs: readonly PreferenceExample[] };

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
  if (spec.method !== 'sft') {
    if (data.kind !== 'preference') throw new HandoffError(`--method ${spec.method} needs preference pairs ({"prompt","chosen","rejected"})`);
    return spec.method;
  }
  if (data.kind !== 'sft') throw new HandoffError('preference pairs train with --method dpo or orpo, not sft');
  const kinds = new Set(data.examples.map((ex) => sftKind(ex, spec.render.template)));
  if (kinds.size > 1) {
    throw new HandoffError(`the records mix shapes that axolotl reads with different dataset types (${[...kinds].join(', ')}); export one job per shape`);
  }
  const [kind] = kinds;
  return kind ?? 'text';
}

const jsonl = (records: readonly Record<string, unknown>[]) => records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');

/** Every file of the job. Throws `HandoffError` for data that cannot be handed over. */
export function buildHandoffJob(spec: HandoffSpec, data: JobData, createdAt = new Date().toISOString()): HandoffJob {
  const items = data.kind === 'sft' ? data.examples : data.pairs;
  if (items.length === 0) throw new HandoffError('no usable records to hand over');
  const kind = dataKind(spec, data);
  // The studio's split (same seed, same PRNG), in file order: the cluster evaluates exactly the studio's eval set.
  const split = splitTrainEval<NormalizedExample | PreferenceExample>(items, spec.render.evalSplit, spec.train.seed, false);
  const toRecord = (x: NormalizedExample | PreferenceExample) =>
    data.kind === 'sft' ? sftRecord(x as NormalizedExample, spec) : preferenceRecord(x as PreferenceExample, kind as 'dpo' | 'orpo');
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
    tree[`job-${runId}/${name}`] = [strToU8(text), { os: 3, attrs: (EXECUTABLE.has(name) ? 0o100755 : 0o100644) << 16 }];
  }
  return zipSync(tree, { level: 6 });
}
