/**
 * `eval --model DIR --data FILE [--adapter DIR[:W]]... [--mix NAME=DIR:W,DIR:W]... [--all | --eval-split F]
 *  [--predict N --max-new-tokens T --seed S] [--no-batch] [--dump-tokens FILE]` (+ the dataset flags of `data check`,
 *  `--quant`, `--group-size`, `--batch ROWS`, `--backend wasm|cpu`)
 *
 * Scores the base, each adapter and each mix on held-out examples: loss over the loss-carrying tokens exactly as
 * training counts them. stdout: one JSON line per variant (base, adapters in order, mixes)
 * `{"variant","loss","perplexity","tokens","examples","ci95"}`, plus `"predictions"` and `"metrics"` with
 * `--predict`. The eval split is the one `train` holds out with the same `--eval-split` and `--seed` (default 0.1);
 * `--all` scores every record. `--dump-tokens FILE` writes `{"ids","lossMask"}` per scored example.
 * `--data` may also be such a dump (pre-tokenized JSONL), then checked against the model's vocabulary.
 */
import { initNodeBackend } from '../../backend/node';
import { fileDatasetInput } from '../../data/node-input.node.js';
import { DatasetOptionsError, prepareDataset } from '../../data/prepare';
import { formatProblemSummary } from '../../data/report';
import type { TokenizedExample } from '../../data/types';
import { writeFileAtomically } from '../../export/file-sink.node.js';
import { jsonLine } from '../../util/json-line';
import { EvalInputError } from '../../eval/errors';
import { evaluateVariants, scoredExamples, type VariantScore } from '../../eval/evaluate';
import { predictGrid, type PredictResult } from '../../eval/predict-grid';
import { readTokenDump, tokenDumpLines } from '../../eval/token-dump.node.js';
import { loadModel } from '../../model/load';
import type { ModelFiles } from '../../spec/model-files';
import { loadTokenizer } from '../../tokenizer/load';
import type { TextTokenizer } from '../../tokenizer/types';
import { CliError, flag, parseFlags, type CliCommand } from '../command';
import { datasetOptionsFromFlags } from './data';
import { loadVariants, parseVariantFlags } from './eval-variants';
import { asCliError, modelFolderFlag, quantFlags } from './score';

type Flags = Map<string, string[]>;

const DEFAULT_EVAL_SPLIT = 0.1;
const DEFAULT_SEQ_LEN = 1024;

/** Upper bounds that keep a typo (1e30) from turning into an endless loop or a huge allocation. */
const INT_MAX: Record<string, number> = {
  'seq-len': 1 << 20,
  batch: 4096,
  predict: 100_000,
  'max-new-tokens': 1 << 16,
  seed: 2 ** 32 - 1,
};

function intFlag(flags: Flags, name: string, fallback: number, min: number): number {
  const raw = flag(flags, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const max = INT_MAX[name] ?? Number.MAX_SAFE_INTEGER;
  if (raw === 'true' || !Number.isInteger(v) || v < min || v > max)
    throw new CliError(`--${name} must be an integer in [${min}, ${max}]; got '${raw}'`);
  return v;
}

/** The examples to score: the eval split (or every record with --all) of the data files, tokenized for this model. */
async function evalExamples(flags: Flags, tokenizer: TextTokenizer, vocab: number): Promise<TokenizedExample[]> {
  const files = flags.get('data')?.filter((v) => v !== 'true') ?? [];
  if (files.length === 0) throw new CliError('--data FILE is required (repeat it for several files)');
  if (flags.has('all') && flags.has('eval-split')) throw new CliError('pass --all or --eval-split F, not both');
  const maxSeqLen = intFlag(flags, 'seq-len', DEFAULT_SEQ_LEN, 2);
  const dumps = await Promise.all(files.map((f) => readTokenDump(f, vocab)));
  if (dumps.every((d) => d !== null))
    return scoredExamples(
      dumps.flatMap((d) => d!),
      maxSeqLen,
    );
  if (dumps.some((d) => d !== null)) throw new CliError('--data: mix of pre-tokenized and raw files; give one kind');
  const all = flags.has('all');
  const evalSplit = all ? 0 : Number(flag(flags, 'eval-split', String(DEFAULT_EVAL_SPLIT)));
  if (!all && !(evalSplit > 0))
    throw new CliError(`--eval-split must be a fraction in (0, 1) or a count ≥ 1; got '${flag(flags, 'eval-split')}'`);
  const inputs = await Promise.all(files.map((f) => fileDatasetInput(f))).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const options = {
    ...datasetOptionsFromFlags(flags),
    maxSeqLen,
    evalSplit,
    seed: intFlag(flags, 'seed', 0, 0),
    shuffle: !all,
  };
  const result = await prepareDataset(inputs, tokenizer, options).catch((e: Error) => {
    throw e instanceof DatasetOptionsError ? new CliError(e.message) : e;
  });
  for (const line of formatProblemSummary(result)) process.stderr.write(`${line}\n`);
  if (!result.ok)
    throw new CliError('the data has problems (see above); fix them or pass --skip-invalid to score the valid records');
  const picked = all ? result.train : result.eval;
  if (picked.length === 0 && result.stats.droppedNoLoss > 0) {
    throw new CliError(
      `no example has a loss-carrying token within --seq-len ${maxSeqLen}: the prompt alone fills it in ${result.stats.droppedNoLoss} examples, ` +
        'so the completion the loss is measured on was cut off; raise --seq-len',
    );
  }
  if (picked.length === 0) {
    throw new CliError(
      `the eval split is empty (${result.train.length} examples, --eval-split ${evalSplit}); pass --all or a larger --eval-split`,
    );
  }
  return scoredExamples(picked, maxSeqLen);
}

function outputLine(score: VariantScore, v: number, predict: PredictResult | null): string {
  const { variant, loss, perplexity, tokens, examples, ci95 } = score;
  const line: Record<string, unknown> = { variant, loss, perplexity, tokens, examples, ci95 };
  if (predict) {
    line.predictions = predict.cells[v].map((cell, p) => ({
      index: predict.prompts[p].index,
      text: cell.text,
      finishReason: cell.finishReason,
      ...predict.scores[v][p],
    }));
    line.metrics = predict.metrics[v];
  }
  return jsonLine(line);
}

async function run(flags: Flags, files: ModelFiles): Promise<number> {
  const { factory } = quantFlags(flags, 'f32');
  const specs = parseVariantFlags(flags);
  // Every numeric flag is checked before the model loads, so a typo fails in milliseconds.
  const predictN = intFlag(flags, 'predict', 0, 1);
  const seed = intFlag(flags, 'seed', 0, 0);
  const batchRows = intFlag(flags, 'batch', 8, 1);
  const maxNewTokens = intFlag(flags, 'max-new-tokens', 64, 1);
  const batched = !flags.has('no-batch');
  const tokenizer = await loadTokenizer(files).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const backend = flag(flags, 'backend', 'wasm');
  if (backend !== 'wasm' && backend !== 'cpu') throw new CliError(`--backend must be wasm or cpu; got '${backend}'`);
  await initNodeBackend(backend);
  const model = await loadModel(files, { linearFactory: factory }).catch(asCliError);
  let loaded: Awaited<ReturnType<typeof loadVariants>> | null = null;
  try {
    const examples = await evalExamples(flags, tokenizer, model.config.vocab);
    loaded = await loadVariants(specs, model);
    const scores = await evaluateVariants(model, examples, loaded.variants, { batched, batchRows, seed });
    const predict =
      predictN > 0
        ? await predictGrid(model, tokenizer, examples, loaded.variants, predictN, { maxNewTokens, seed, batched })
        : null;
    // Written only once everything scored, and atomically: a failed run leaves no dump behind.
    const dump = flag(flags, 'dump-tokens');
    if (dump && dump !== 'true')
      await writeFileAtomically(dump, (sink) => sink.write(new TextEncoder().encode(tokenDumpLines(examples))));
    scores.forEach((s, v) => process.stdout.write(outputLine(s, v, predict) + '\n'));
    return 0;
  } catch (e) {
    if (e instanceof EvalInputError) throw new CliError(e.message);
    throw e;
  } finally {
    loaded?.dispose();
    model.dispose();
  }
}

export const evalCommand: CliCommand = {
  summary: 'score the base, adapters and mixes on held-out data (loss, perplexity, 95% CI; --predict for a grid)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    return run(flags, await modelFolderFlag(flags));
  },
};
