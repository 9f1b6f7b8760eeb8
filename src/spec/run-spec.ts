/**
 * A training run as the user asks for it: name, dataset, LoRA and trainer settings, sample prompts. Stored in the
 * run record so a reload can resume it, sent by the Train form, read by the CLI. `parseRunSpec` is the one check
 * of it: the engine refuses a run with its messages, the form shows them beside the fields as the user types.
 */
import { loraConfigProblems, type LoraConfig } from './lora-config';
import { problemsMessage, type SpecProblem } from './problems';
import { trainConfigProblems, type TrainConfig } from './train-config';

/** Sample generations during a run: from these prompts, every `every` steps (0 = only at the end). */
export interface SampleSettings {
  prompts: string[];
  every: number;
  maxNewTokens: number;
  /** 0 = greedy (the default: the timeline then shows only what the adapter changed). */
  temperature: number;
  seed: number;
}

/** Everything a new run needs; stored in the run record so a reload can resume it. */
export interface TrainRunSpec {
  /** Display name of the run and of the adapter it saves. */
  name: string;
  datasetId: string;
  lora: LoraConfig;
  train: TrainConfig;
  samples: SampleSettings;
}

/** Most sample prompts a run takes (each costs a generation every N steps). */
export const MAX_SAMPLE_PROMPTS = 8;

/** The name a run gets when the user gave none. */
export const DEFAULT_RUN_NAME = 'LoRA run';

/** A spec ready to run, or the problems that stop it (each names its field). */
export type ParsedRunSpec = { ok: true; spec: TrainRunSpec } | { ok: false; problems: SpecProblem[]; message: string };

/** Problems of the LoRA and trainer settings alone (what the form edits), without the dataset. */
export function settingsProblems(s: Pick<TrainRunSpec, 'lora' | 'train'>): SpecProblem[] {
  return [...loraConfigProblems(s.lora), ...trainConfigProblems(s.train)];
}

/**
 * Checks a run spec from anywhere (form, worker message, CLI) and returns it cleaned: blank sample prompts
 * dropped (at most {@link MAX_SAMPLE_PROMPTS} kept), out-of-range sample settings reset to their defaults, and a
 * blank name replaced.
 */
export function parseRunSpec(input: unknown): ParsedRunSpec {
  if (typeof input !== 'object' || input === null)
    return failed([{ field: 'spec', message: 'Training settings are missing.' }]);
  const spec = input as Partial<TrainRunSpec>;
  if (typeof spec.datasetId !== 'string' || !spec.datasetId)
    return failed([{ field: 'datasetId', message: 'Choose a prepared dataset in the Data section first.' }]);
  if (typeof spec.lora !== 'object' || spec.lora === null || typeof spec.train !== 'object' || spec.train === null) {
    return failed([{ field: 'spec', message: 'Training settings are missing their LoRA or trainer part.' }]);
  }
  const problems = settingsProblems({ lora: spec.lora, train: spec.train });
  if (problems.length) return failed(problems);
  return {
    ok: true,
    spec: {
      name: String(spec.name ?? '').trim() || DEFAULT_RUN_NAME,
      datasetId: spec.datasetId,
      lora: spec.lora,
      train: spec.train,
      samples: cleanSamples(spec.samples),
    },
  };
}

function failed(problems: SpecProblem[]): ParsedRunSpec {
  return { ok: false, problems, message: problemsMessage(problems) };
}

/** Sample settings with unusable values reset: they only shape the timeline, so they never stop a run. */
function cleanSamples(s: Partial<SampleSettings> | undefined): SampleSettings {
  const prompts = Array.isArray(s?.prompts)
    ? s.prompts.filter((p) => typeof p === 'string' && p.trim() !== '').slice(0, MAX_SAMPLE_PROMPTS)
    : [];
  const ok = (v: unknown, min: number, integer: boolean): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && (!integer || Number.isInteger(v));
  return {
    prompts,
    every: ok(s?.every, 0, true) ? s.every : 0,
    maxNewTokens: ok(s?.maxNewTokens, 1, false) ? s.maxNewTokens : 32,
    temperature: ok(s?.temperature, 0, false) ? s.temperature : 0,
    seed: ok(s?.seed, -Infinity, true) ? s.seed : 0,
  };
}
