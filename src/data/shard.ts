/**
 * One shard of the dataset pass: every shard reads and validates every file (parsing is cheap), but tokenizes
 * only its share of the records (record g goes to shard g mod count), because tokenizing is what is slow. N
 * dataset workers each running one shard tokenize N times faster; `mergeShards` puts the results back together
 * in file order. `prepareDataset` is the single-shard case.
 *
 * Validation problems and per-file counts are reported by shard 0 only (all shards see the same ones); render
 * problems by the shard that rendered the record. Text files in fixed-window mode are cut by one shard, whole,
 * since a window spans records.
 */
import type { TextTokenizer } from '../tokenizer/types';
import { inputSize } from './byte-source';
import { boundExample } from './char-budget';
import { resolveOptions, type ResolvedOptions } from './options';
import { ProblemLog } from './problems';
import { readFileExamples, type LocatedExample } from './read-file';
import { RenderError, renderExample, withTemplateVariables, type RenderOptions } from './render';
import { pairExample, splitPair } from './pair';
import { addLength, newCounters, trimCounters, type ShardCounters } from './stats';
import { TextChunker } from './text-chunker';
import type {
  DatasetInput,
  DatasetProblem,
  DatasetRunHooks,
  FileSummary,
  PrepareOptions,
  TokenizedExample,
} from './types';

/** Which share of the records a shard tokenizes. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** What one shard hands to `mergeShards`: plain data and typed arrays (transferable). */
export interface DatasetShard {
  spec: ShardSpec;
  examples: TokenizedExample[];
  /** Global position of each example (record order across files; fractions order text windows). */
  order: Float64Array;
  problems: DatasetProblem[];
  problemCount: number;
  /** Records left out because of problems that this shard reports. */
  skipped: number;
  /** Per-file summaries (shard 0's are the complete ones). */
  files: FileSummary[];
  counters: ShardCounters;
  /** False when policy 'fail' met a problem and tokenizing stopped. */
  complete: boolean;
  /**
   * Render problems (a template that fails on a record): unlike validation problems, only the shard that rendered
   * the record meets them, so under policy 'fail' the other shards tokenize past it (see `shardsAgree` in merge.ts).
   */
  renderProblems: number;
}

/** Progress (and a cancel check) at least every this many records. */
const RECORDS_PER_PROGRESS = 256;

/** Mutable state of one shard's pass. */
class ShardRun {
  readonly log: ProblemLog;
  /** Where validation problems go: the reported log on shard 0, a counting-only log elsewhere. */
  readonly validationLog: ProblemLog;
  readonly counters = newCounters();
  readonly examples: TokenizedExample[] = [];
  readonly order: number[] = [];
  readonly files: FileSummary[] = [];
  renderFailures = 0;
  /** Problems met while rendering this shard's records (only this shard knows of them). */
  renderProblems = 0;
  stoppedTokenizing = false;
  /** Global index of the next validated record. */
  next = 0;

  constructor(
    readonly tok: TextTokenizer | null,
    readonly opts: ResolvedOptions,
    readonly spec: ShardSpec,
  ) {
    this.log = new ProblemLog(opts.maxProblems);
    this.validationLog = spec.index === 0 ? this.log : new ProblemLog(0);
  }

  get problemsSeen(): number {
    return this.log.count + (this.validationLog === this.log ? 0 : this.validationLog.count);
  }

  /** Applies the over-length and no-loss policies to one rendered example. */
  add(ex: TokenizedExample, order: number): void {
    if (ex.segmentIds) return this.addPair(ex, order);
    const { counters: c, opts } = this;
    addLength(c, ex.ids.length);
    let out = ex;
    if (ex.ids.length > opts.maxSeqLen) {
      c.overLength++;
      if (opts.overLength === 'drop') return void c.droppedOverLength++;
      out = { ids: ex.ids.slice(0, opts.maxSeqLen), lossMask: ex.lossMask.slice(0, opts.maxSeqLen) };
      c.truncated++;
      if (!out.lossMask.includes(1)) {
        const prompt = ex.lossMask.indexOf(1);
        if (prompt > 0 && (c.shortestLostPrompt === 0 || prompt < c.shortestLostPrompt)) c.shortestLostPrompt = prompt;
        return void c.droppedNoLoss++;
      }
    }
    this.examples.push(out);
    this.order.push(order);
  }

  /** A preference pair: `maxSeqLen` bounds each sequence (chosen, rejected), as TRL's `max_length` does. */
  private addPair(ex: TokenizedExample, order: number): void {
    const { counters: c, opts } = this;
    const { chosen, rejected } = splitPair(ex);
    addLength(c, Math.max(chosen.ids.length, rejected.ids.length));
    if (Math.max(chosen.ids.length, rejected.ids.length) <= opts.maxSeqLen) {
      this.examples.push(ex);
      this.order.push(order);
      return;
    }
    c.overLength++;
    if (opts.overLength === 'drop') return void c.droppedOverLength++;
    const cut = (s: TokenizedExample) => ({
      ids: s.ids.slice(0, opts.maxSeqLen),
      lossMask: s.lossMask.slice(0, opts.maxSeqLen),
    });
    const [a, b] = [cut(chosen), cut(rejected)];
    c.truncated++;
    if (!a.lossMask.includes(1) || !b.lossMask.includes(1)) return void c.droppedNoLoss++;
    this.examples.push(pairExample(a, b));
    this.order.push(order);
  }

  /**
   * A chat record and a model without a chat template: known from the record alone, so every shard sees it the
   * same way. Shard 0 reports it (one problem per file, its message counting the records), for every record as a
   * single pass would; the others count it only where policy 'fail' asks whether a problem was met.
   */
  chatless(item: LocatedExample, chatless: { problem: DatasetProblem | null; count: number }): void {
    if (this.spec.index !== 0) return void this.validationLog.count++;
    const { source } = item;
    this.renderFailures++;
    chatless.count++;
    if (!chatless.problem) {
      chatless.problem = { file: source.file, line: source.line, row: source.row, message: '' };
      this.log.add(chatless.problem);
    }
    chatless.problem.message = `${chatless.count} chat record${chatless.count > 1 ? 's' : ''} (from here on) need a chat template, and the model has none`;
  }

  render(item: LocatedExample, order: number, ropts: RenderOptions): void {
    const { source } = item;
    try {
      this.add(renderExample(boundExample(item.example, this.opts.maxSeqLen), this.tok!, ropts), order);
    } catch (e) {
      if (!(e instanceof RenderError)) throw e;
      this.renderFailures++;
      this.renderProblems++;
      this.log.add({ file: source.file, line: source.line, row: source.row, message: e.message });
    }
  }
}

/** Reads one file, tokenizing this shard's records. */
async function readOne(
  run: ShardRun,
  input: DatasetInput,
  index: number,
  count: number,
  hooks: DatasetRunHooks,
): Promise<void> {
  const summary: FileSummary = { file: input.name, format: null, mapping: null, records: 0, badRecords: 0 };
  run.files.push(summary);
  const totalBytes = inputSize(input);
  let lastBytes = 0;
  const onBytes = (bytesRead: number): void => {
    lastBytes = bytesRead;
    hooks.onProgress?.({
      file: input.name,
      fileIndex: index,
      fileCount: count,
      bytesRead,
      totalBytes,
      records: summary.records,
    });
  };
  const { opts, tok, spec } = run;
  const ropts: RenderOptions = { template: opts.template, completionOnly: opts.completionOnly };
  const chatless = { problem: null as DatasetProblem | null, count: 0 };
  const windows = opts.textMode.kind === 'chunk' && index % spec.count === spec.index;
  let chunker: TextChunker | null = null;
  const mapping = opts.fileMappings[input.name] ?? opts.mapping;
  for await (const item of readFileExamples(input, mapping, run.validationLog, summary, onBytes, hooks.signal)) {
    const g = run.next++;
    // Tokenizing is far slower than reading: report (and honour cancel) between chunks too.
    if (summary.records % RECORDS_PER_PROGRESS === 0) {
      hooks.signal?.throwIfAborted();
      onBytes(lastBytes);
    }
    if (!tok) continue;
    if (opts.policy === 'fail' && run.problemsSeen > 0 && !opts.statsOnFail) {
      run.stoppedTokenizing = true;
      continue;
    }
    if (item.example.kind === 'chat' && !tok.hasChatTemplate) run.chatless(item, chatless);
    else if (summary.format === 'text' && opts.textMode.kind === 'chunk' && item.example.kind === 'text') {
      if (!windows) continue;
      chunker ??= new TextChunker(tok, opts.textMode.tokens);
      chunker.push(item.example.text).forEach((w, k) => run.add(w, g + k / 1e6));
    } else if (g % spec.count === spec.index) run.render(item, g, ropts);
  }
  chunker?.end().forEach((w, k) => run.add(w, run.next - 1 + 0.5 + k / 1e6));
}

/**
 * Reads and validates every input, tokenizing the records of shard `spec` (default: all of them). With
 * `tokenizer` null it only validates. Throws `DatasetOptionsError` for impossible options and the signal's
 * reason when aborted.
 */
export async function prepareShard(
  inputs: readonly DatasetInput[],
  tokenizer: TextTokenizer | null,
  options: PrepareOptions = {},
  spec: ShardSpec = { index: 0, count: 1 },
  hooks: DatasetRunHooks = {},
): Promise<DatasetShard> {
  if (!(
    Number.isInteger(spec.count) &&
    spec.count >= 1 &&
    Number.isInteger(spec.index) &&
    spec.index >= 0 &&
    spec.index < spec.count
  )) {
    throw new Error(`bad shard ${spec.index} of ${spec.count}`);
  }
  const opts = resolveOptions(options, tokenizer);
  const run = new ShardRun(tokenizer && withTemplateVariables(tokenizer, opts.templateVariables), opts, spec);
  for (let i = 0; i < inputs.length; i++) await readOne(run, inputs[i], i, inputs.length, hooks);
  hooks.signal?.throwIfAborted();
  const badRecords = spec.index === 0 ? run.files.reduce((s, f) => s + f.badRecords, 0) : 0;
  return {
    spec,
    examples: run.examples,
    order: Float64Array.from(run.order),
    problems: run.log.problems,
    problemCount: run.log.count,
    skipped: badRecords + run.renderFailures,
    files: run.files,
    counters: trimCounters(run.counters),
    complete: !run.stoppedTokenizing,
    renderProblems: run.renderProblems,
  };
}

/** Buffers of a shard, for `postMessage(shard, transfer)`: each example owns its arrays, so nothing is shared. */
export function shardTransferables(shard: DatasetShard): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([
    shard.order.buffer as ArrayBuffer,
    shard.counters.lengths.buffer as ArrayBuffer,
  ]);
  for (const ex of shard.examples) {
    buffers.add(ex.ids.buffer as ArrayBuffer);
    buffers.add(ex.lossMask.buffer as ArrayBuffer);
  }
  return [...buffers];
}
