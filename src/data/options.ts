/**
 * `PrepareOptions` resolved: every default filled in, impossible settings rejected before any file is read.
 */
import type { TextTokenizer } from '../tokenizer/types';
import { CHAT_TEMPLATE, defaultTemplate, templateError } from './template';
import type { PrepareOptions } from './types';

/** Options that cannot work (not a data problem): thrown before any file is read. */
export class DatasetOptionsError extends Error {
  override name = 'DatasetOptionsError';
}

/** Longest example (tokens) when the options name none. */
export const DEFAULT_MAX_SEQ_LEN = 1024;

/** `PrepareOptions` with every default filled in. */
export type ResolvedOptions = Required<Omit<PrepareOptions, 'mapping'>> & Pick<PrepareOptions, 'mapping'>;

/** Fills in defaults and rejects impossible settings. */
export function resolveOptions(opts: PrepareOptions, tok: TextTokenizer | null): ResolvedOptions {
  const r: ResolvedOptions = {
    policy: opts.policy ?? 'fail',
    maxSeqLen: opts.maxSeqLen ?? DEFAULT_MAX_SEQ_LEN,
    overLength: opts.overLength ?? 'truncate',
    evalSplit: opts.evalSplit ?? 0,
    seed: opts.seed ?? 0,
    shuffle: opts.shuffle ?? true,
    template: opts.template ?? defaultTemplate(tok?.hasChatTemplate ?? false),
    mapping: opts.mapping,
    fileMappings: opts.fileMappings ?? {},
    templateVariables: opts.templateVariables ?? {},
    pack: opts.pack ?? false,
    completionOnly: opts.completionOnly ?? true,
    textMode: opts.textMode ?? { kind: 'paragraph' },
    dedupe: opts.dedupe ?? false,
    maxProblems: opts.maxProblems ?? 1000,
    statsOnFail: opts.statsOnFail ?? false,
  };
  if (!Number.isInteger(r.maxSeqLen) || r.maxSeqLen < 2)
    throw new DatasetOptionsError(`maxSeqLen must be an integer ≥ 2, got ${r.maxSeqLen}`);
  if (!(r.evalSplit >= 0) || (r.evalSplit >= 1 && !Number.isInteger(r.evalSplit))) {
    throw new DatasetOptionsError(
      `evalSplit must be a fraction in [0, 1) or a whole number of examples, got ${r.evalSplit}`,
    );
  }
  const tErr = templateError(r.template);
  if (tErr) throw new DatasetOptionsError(tErr);
  if (tok && r.template === CHAT_TEMPLATE && !tok.hasChatTemplate) {
    throw new DatasetOptionsError("the model has no chat template; choose a prompt template instead of 'chat'");
  }
  return r;
}
