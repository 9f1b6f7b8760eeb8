/**
 * `prepareDataset`: the one entry point the CLI's `train`/`data check` and the dataset worker call. Streams every
 * input file through its reader, validates each record, renders and tokenizes it, applies the over-length and
 * duplicate policies, gathers statistics, then splits (seeded), shuffles and optionally packs. Only token arrays
 * are kept in memory, never the text.
 */
import type { TextTokenizer } from '../tokenizer/types';
import { inputSize } from './byte-source';
import { packExamples } from './pack';
import { ProblemLog } from './problems';
import { readFileExamples, type LocatedExample } from './read-file';
import { RenderError, renderExample, withTemplateVariables, type RenderOptions } from './render';
import { evalCount, splitTrainEval } from './split';
import { DuplicateFinder, StatsAccumulator } from './stats';
import { CHAT_TEMPLATE, defaultTemplate, templateError } from './template';
import { TextChunker } from './text-chunker';
import type { DatasetInput, DatasetProblem, DatasetRunHooks, FileSummary, PreparedDataset, PrepareOptions, TokenizedExample } from './types';

/** Progress (and a cancel check) at least every this many records. */
const RECORDS_PER_PROGRESS = 256;

/** Options that cannot work (not a data problem): thrown before any file is read. */
export class DatasetOptionsError extends Error {
  override name = 'DatasetOptionsError';
}

/** `PrepareOptions` with every default filled in. */
export type ResolvedOptions = Required<Omit<PrepareOptions, 'mapping'>> & Pick<PrepareOptions, 'mapping'>;

/** Fills in defaults and rejects impossible settings. */
export function resolveOptions(opts: PrepareOptions, tok: TextTokenizer | null): ResolvedOptions {
  const r: ResolvedOptions = {
    policy: opts.policy ?? 'fail',
    maxSeqLen: opts.maxSeqLen ?? 1024,
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
  if (!Number.isInteger(r.maxSeqLen) || r.maxSeqLen < 2) throw new DatasetOptionsError(`maxSeqLen must be an integer ≥ 2, got ${r.maxSeqLen}`);
  if (!(r.evalSplit >= 0) || (r.evalSplit >= 1 && !Number.isInteger(r.evalSplit))) {
    throw new DatasetOptionsError(`evalSplit must be a fraction in [0, 1) or a whole number of examples, got ${r.evalSplit}`);
  }
  const tErr = templateError(r.template);
  if (tErr) throw new DatasetOptionsError(tErr);
  if (tok && r.template === CHAT_TEMPLATE && !tok.hasChatTemplate) {
    throw new DatasetOptionsError("the model has no chat template; choose a prompt template instead of 'chat'");
  }
  return r;
}

/** Mutable state of one `prepareDataset` run. */
class Run {
  readonly log: ProblemLog;
  readonly stats = new StatsAccumulator();
  readonly dups = new DuplicateFinder();
  readonly kept: TokenizedExample[] = [];
  readonly files: FileSummary[] = [];
  renderFailures = 0;
  /** Set when policy 'fail' met a problem and tokenizing stopped (validation went on). */
  stoppedTokenizing = false;

  constructor(
    readonly tok: TextTokenizer | null,
    readonly opts: ResolvedOptions,
  ) {
    this.log = new ProblemLog(opts.maxProblems);
  }

  /** Applies the over-length, no-loss and duplicate policies to one rendered example. */
  add(ex: TokenizedExample): void {
    const { stats, opts } = this;
    stats.addLength(ex.ids.length);
    if (this.dups.check(ex.ids)) {
      stats.duplicates++;
      if (opts.dedupe) return void stats.droppedDuplicates++;
    }
    let out = ex;
    if (ex.ids.length > opts.maxSeqLen) {
      stats.overLength++;
      if (opts.overLength === 'drop') return void stats.droppedOverLength++;
      out = { ids: ex.ids.slice(0, opts.maxSeqLen), lossMask: ex.lossMask.slice(0, opts.maxSeqLen) };
      stats.truncated++;
      if (!out.lossMask.includes(1)) return void stats.droppedNoLoss++;
    }
    stats.addKept(out);
    this.kept.push(out);
  }

  render(item: LocatedExample, ropts: RenderOptions, chatless: { problem: DatasetProblem | null; count: number }): void {
    const tok = this.tok!;
    const { source } = item;
    if (item.example.kind === 'chat' && !tok.hasChatTemplate) {
      // One problem for the file (its message counts the records), not one per record.
      this.renderFailures++;
      chatless.count++;
      if (!chatless.problem) {
        chatless.problem = { file: source.file, line: source.line, row: source.row, message: '' };
        this.log.add(chatless.problem);
      }
      chatless.problem.message = `${chatless.count} chat record${chatless.count > 1 ? 's' : ''} (from here on) need a chat template, and the model has none`;
      return;
    }
    try {
      this.add(renderExample(item.example, tok, ropts));
    } catch (e) {
      if (!(e instanceof RenderError)) throw e;
      this.renderFailures++;
      this.log.add({ file: source.file, line: source.line, row: source.row, message: e.message });
    }
  }
}

async function readOne(run: Run, input: DatasetInput, index: number, count: number, hooks: DatasetRunHooks): Promise<void> {
  const summary: FileSummary = { file: input.name, format: null, mapping: null, records: 0, badRecords: 0 };
  run.files.push(summary);
  const totalBytes = inputSize(input);
  let lastBytes = 0;
  const onBytes = (bytesRead: number): void => {
    lastBytes = bytesRead;
    hooks.onProgress?.({ file: input.name, fileIndex: index, fileCount: count, bytesRead, totalBytes, records: summary.records });
  };
  const { opts, tok } = run;
  const ropts: RenderOptions = { template: opts.template, completionOnly: opts.completionOnly };
  const chatless = { problem: null as DatasetProblem | null, count: 0 };
  let chunker: TextChunker | null = null;
  const mapping = opts.fileMappings[input.name] ?? opts.mapping;
  for await (const item of readFileExamples(input, mapping, run.log, summary, onBytes, hooks.signal)) {
    // Tokenizing is far slower than reading: report (and honour cancel) between chunks too.
    if (summary.records % RECORDS_PER_PROGRESS === 0) {
      hooks.signal?.throwIfAborted();
      onBytes(lastBytes);
    }
    if (!tok) continue;
    if (opts.policy === 'fail' && run.log.count > 0 && !opts.statsOnFail) {
      run.stoppedTokenizing = true;
      continue;
    }
    if (summary.format === 'text' && opts.textMode.kind === 'chunk' && item.example.kind === 'text') {
      chunker ??= new TextChunker(tok, opts.textMode.tokens);
      for (const w of chunker.push(item.example.text)) run.add(w);
    } else run.render(item, ropts, chatless);
  }
  for (const w of chunker?.end() ?? []) run.add(w);
}

/**
 * Reads, validates and tokenizes `inputs`. With `tokenizer` null it only validates (no tokens, no examples:
 * what `data check` does without a model). Under policy 'fail' any problem makes `ok` false and leaves
 * `train`/`eval` empty; under 'skip' bad records are left out and counted in `skipped`. Throws
 * `DatasetOptionsError` for impossible options and the signal's reason when aborted.
 */
export async function prepareDataset(
  inputs: readonly DatasetInput[],
  tokenizer: TextTokenizer | null,
  options: PrepareOptions = {},
  hooks: DatasetRunHooks = {},
): Promise<PreparedDataset> {
  const opts = resolveOptions(options, tokenizer);
  const run = new Run(tokenizer && withTemplateVariables(tokenizer, opts.templateVariables), opts);
  for (let i = 0; i < inputs.length; i++) await readOne(run, inputs[i], i, inputs.length, hooks);
  hooks.signal?.throwIfAborted();
  run.stats.records = run.files.reduce((s, f) => s + f.records, 0);
  const skipped = run.files.reduce((s, f) => s + f.badRecords, 0) + run.renderFailures;
  const ok = run.log.count === 0 || opts.policy === 'skip';
  const evalN = evalCount(run.kept.length, opts.evalSplit);
  const split = ok ? splitTrainEval(run.kept, opts.evalSplit, opts.seed, opts.shuffle) : { train: [], eval: [] };
  const train = opts.pack ? packExamples(split.train, opts.maxSeqLen) : split.train;
  const evalSet = opts.pack ? packExamples(split.eval, opts.maxSeqLen) : split.eval;
  const packedRows = opts.pack ? train.length + evalSet.length : 0;
  return {
    ok,
    train,
    eval: evalSet,
    problems: run.log.problems,
    problemCount: run.log.count,
    skipped,
    // Counts of the split the examples get (or would get, when 'fail' withholds them): `data check` shows them.
    stats: run.stats.finish(run.kept.length - evalN, evalN, packedRows, !run.stoppedTokenizing),
    shape: run.files.find((f) => f.mapping)?.mapping?.shape ?? null,
    files: run.files,
  };
}
