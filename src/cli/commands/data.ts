/**
 * `data check FILE... [--model DIR] [--seq-len L] [--template T|chat] [--template-vars JSON] [--mapping JSON]
 *  [--text-chunk N] [--eval-split F] [--seed S] [--pack] [--dedupe] [--over-length drop] [--skip-invalid] [--json]`:
 * reads dataset files through the same code as training and the studio, prints the detected shape, counts,
 * token statistics (with --model) and every problem as `FILE:LINE: what is wrong` (first 20, then a count).
 * Exits 1 when there are problems (unless --skip-invalid) or the arguments are wrong.
 *
 * `data synth FILE [--mb N] [--seed S] [--shape S]`: writes a synthetic JSONL for benchmarks.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { openModelFolder } from '../../model/folder-files.node.js';
import { loadTokenizer } from '../../tokenizer/load';
import type { TextTokenizer } from '../../tokenizer/types';
import { fileDatasetInput } from '../../data/node-input.node.js';
import { DatasetOptionsError, prepareDataset } from '../../data/prepare';
import { formatFiles, formatProblemSummary, formatStats, noExamplesReason } from '../../data/report';
import { promptFormatOf } from '../../data/prompt-format';
import { generateSyntheticJsonl } from '../../data/synthetic';
import type { ColumnMapping, PrepareOptions, RecordShape } from '../../data/types';
import { CliError, flag, parseFlags, type CliCommand } from '../command';

const USAGE =
  'usage: data check FILE... [--model DIR] [--seq-len L] [--template T|chat] [--mapping JSON] [--text-chunk N] ' +
  '[--template-vars JSON] [--eval-split F] [--seed S] [--pack] [--dedupe] [--over-length drop] [--skip-invalid] [--json]';

function numberFlag(flags: Map<string, string[]>, name: string): number | undefined {
  const v = flag(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`--${name} expects a number, got '${v}'`);
  return n;
}

function jsonFlag<T>(flags: Map<string, string[]>, name: string, example: string): T | undefined {
  const v = flag(flags, name);
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch (e) {
    throw new CliError(`--${name} expects JSON like '${example}': ${(e as Error).message}`);
  }
}

/** The `PrepareOptions` the dataset flags ask for (shared with `train`). */
export function datasetOptionsFromFlags(flags: Map<string, string[]>): PrepareOptions {
  const chunk = numberFlag(flags, 'text-chunk');
  return {
    policy: flags.has('skip-invalid') ? 'skip' : 'fail',
    maxSeqLen: numberFlag(flags, 'seq-len'),
    overLength: flag(flags, 'over-length') === 'drop' ? 'drop' : 'truncate',
    evalSplit: numberFlag(flags, 'eval-split'),
    seed: numberFlag(flags, 'seed'),
    template: flag(flags, 'template')?.replace(/\\n/g, '\n'),
    mapping: jsonFlag<ColumnMapping>(
      flags,
      'mapping',
      '{"shape":"prompt-completion","fields":{"prompt":"question","completion":"answer"}}',
    ),
    templateVariables: jsonFlag<Record<string, unknown>>(flags, 'template-vars', '{"enable_thinking":false}'),
    pack: flags.has('pack'),
    textMode: chunk ? { kind: 'chunk', tokens: chunk } : undefined,
    dedupe: flags.has('dedupe'),
  };
}

async function check(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv);
  if (positional.length === 0) throw new CliError(USAGE);
  // A check reports token statistics over every valid record, even when some records are bad.
  const opts = { ...datasetOptionsFromFlags(flags), statsOnFail: true };
  const modelDir = flag(flags, 'model');
  const tok: TextTokenizer | null = modelDir ? await loadTokenizer(await openModelFolder(modelDir)) : null;
  const inputs = await Promise.all(positional.map((p) => fileDatasetInput(p)));
  let result;
  try {
    result = await prepareDataset(inputs, tok, opts);
  } catch (e) {
    if (e instanceof DatasetOptionsError) throw new CliError(e.message);
    throw e;
  }
  const out = (l: string): boolean => process.stdout.write(`${l}\n`);
  if (flags.has('json')) {
    // Machine-readable: everything but the token arrays.
    const { train, eval: evalSet, ...rest } = result;
    out(JSON.stringify({ ...rest, trainExamples: train.length, evalExamples: evalSet.length }));
    return result.ok ? 0 : 1;
  }
  formatFiles(result).forEach(out);
  if (tok) formatStats(result.stats, opts.maxSeqLen ?? 1024).forEach(out);
  else out('(no --model: token statistics need a tokenizer)');
  const problems = formatProblemSummary(result);
  problems.forEach((l) => process.stderr.write(`${l}\n`));
  // "ok" only when something can be trained on; otherwise the reason is the verdict (and the exit status).
  const format = tok ? promptFormatOf(result.shape, opts.template, tok.hasChatTemplate, opts.templateVariables) : null;
  const empty = tok
    ? noExamplesReason(result, { maxSeqLen: opts.maxSeqLen ?? 1024, lengthName: '--seq-len', format })
    : null;
  if (empty) process.stderr.write(`error: nothing to train on: ${empty}\n`);
  else if (result.problemCount === 0) out('ok: no problems found');
  return result.ok && !empty ? 0 : 1;
}

const SHAPES: RecordShape[] = ['text', 'prompt-completion', 'alpaca', 'chat', 'sharegpt', 'preference'];

/** `data synth FILE [--mb N] [--seed S] [--shape S]`: writes a synthetic JSONL (benchmarks, manual checks). */
async function synth(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv);
  if (positional.length !== 1)
    throw new CliError(`usage: data synth FILE [--mb N] [--seed S] [--shape ${SHAPES.join('|')}]`);
  const shape = flag(flags, 'shape', 'chat') as RecordShape;
  if (!SHAPES.includes(shape)) throw new CliError(`--shape must be one of ${SHAPES.join(', ')}`);
  const bytes = (numberFlag(flags, 'mb') ?? 100) * (1 << 20);
  const out = createWriteStream(positional[0]);
  const gen = generateSyntheticJsonl(bytes, numberFlag(flags, 'seed') ?? 0, shape);
  let step = gen.next();
  while (!step.done) {
    if (!out.write(step.value)) await once(out, 'drain');
    step = gen.next();
  }
  out.end();
  await once(out, 'finish');
  process.stdout.write(`${positional[0]}: ${step.value} ${shape} records, ${bytes} bytes asked\n`);
  return 0;
}

/** `data check` and `data synth`. */
export const dataCommand: CliCommand = {
  summary: 'check dataset files (shape, counts, token stats, problems as FILE:LINE); synth a test JSONL',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'check') return check(rest);
    if (sub === 'synth') return synth(rest);
    process.stderr.write(`${USAGE}\n       data synth FILE [--mb N] [--seed S] [--shape S]\n`);
    return 2;
  },
};
