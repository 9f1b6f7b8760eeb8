/**
 * `evaluate`: the Evaluate section's request. Scores the chosen variants (the base, saved adapters, weighted
 * mixes) on a stored dataset's held-out split with the same code as the CLI's `eval`: loss over the loss-carrying
 * tokens as training counts them, per-example losses, a 95% bootstrap interval; the worst examples in full for the
 * heat map; and optionally the Predict grid, all variants in multiplexed batches.
 */
import { tf } from '../../backend/tf';
import { fromCompact } from '../../data/compact';
import type { TokenizedExample } from '../../data/types';
import { EvalInputError } from '../../eval/errors';
import { evaluateVariants, scoredExamples, type EvalVariant, type VariantScore } from '../../eval/evaluate';
import { predictGrid } from '../../eval/predict-grid';
import { AdapterStack } from '../../lora/adapter-stack';
import type { EvaluateParams, ExampleDetail, PredictOutcome, VariantSummary } from '../../protocol/eval-types';
import { InvalidRequestError } from '../../spec/errors';
import type { TextTokenizer } from '../../tokenizer/types';
import { openAdapter } from '../adapters/open-adapter';
import { loadStoredDataset } from '../data/dataset-store';
import type { HandlerSpec, JobContext } from '../job';
import type { LoadedModel } from '../session';

/** Most variants one request compares (each costs a share of every forward pass). */
export const MAX_EVAL_VARIANTS = 8;

/** The examples to score: the held-out split (or all), tokenized by the loaded base's tokenizer. */
async function datasetExamples(
  job: JobContext,
  params: EvaluateParams,
  loaded: LoadedModel,
): Promise<{ name: string; examples: TokenizedExample[] }> {
  const { record, train, eval: held } = await loadStoredDataset(await job.state.db(), params.datasetId);
  if (record.tokenizer && record.tokenizer !== loaded.info.id) {
    throw new InvalidRequestError(
      `Dataset '${record.name}' was prepared with the tokenizer of '${record.tokenizer}', but '${loaded.info.id}' is loaded: its token ids mean other words here. Prepare the data again in the Data section.`,
    );
  }
  const split = params.split ?? 'eval';
  const examples = split === 'all' ? [...fromCompact(train), ...fromCompact(held)] : fromCompact(held);
  if (examples.length === 0) {
    throw new InvalidRequestError(
      `Dataset '${record.name}' has no held-out examples: prepare it with an eval split, or evaluate on all examples.`,
    );
  }
  const max = params.maxExamples && params.maxExamples > 0 ? params.maxExamples : examples.length;
  return { name: record.name, examples: examples.slice(0, max) };
}

async function openVariants(job: JobContext, params: EvaluateParams): Promise<EvalVariant[]> {
  const specs = params.variants ?? [];
  if (specs.length === 0) throw new InvalidRequestError('Choose at least one variant to evaluate.');
  if (specs.length > MAX_EVAL_VARIANTS)
    throw new InvalidRequestError(`Compare at most ${MAX_EVAL_VARIANTS} variants at once.`);
  const session = job.state.session;
  const variants: EvalVariant[] = [];
  for (const spec of specs) {
    const adapters = (spec.adapters ?? []).filter((a) => Number.isFinite(a.weight) && a.weight !== 0);
    if (adapters.length === 0) {
      variants.push({ name: spec.name, hook: null });
      continue;
    }
    // The session owns the opened adapters; each variant gets its own stack (the Generate mix is left alone).
    const stack = new AdapterStack();
    for (const a of adapters) stack.set(a.id, await openAdapter(session, () => job.state.db(), a.id), a.weight);
    variants.push({ name: spec.name, hook: stack });
  }
  return variants;
}

/** The `count` examples some variant finds hardest, in full. */
function worstDetails(
  scores: VariantScore[],
  examples: readonly TokenizedExample[],
  tokenizer: TextTokenizer,
  count: number,
): ExampleDetail[] {
  const worst = examples.map((_, i) => ({ i, loss: Math.max(...scores.map((s) => s.perExample[i].loss)) }));
  worst.sort((a, b) => b.loss - a.loss);
  return worst.slice(0, count).map(({ i }) => {
    const ex = examples[i];
    const nll = scores.map((s) => {
      const values = s.perExample[i].nll;
      const row: (number | null)[] = [];
      let k = 0;
      for (let t = 0; t < ex.ids.length; t++) row.push(t > 0 && ex.lossMask[t] ? values[k++] : null);
      return row;
    });
    return {
      index: i,
      pieces: Array.from(ex.ids, (id) => tokenizer.decode([id])),
      lossMask: Array.from(ex.lossMask),
      nll,
    };
  });
}

function summary(s: VariantScore): VariantSummary {
  const { variant, loss, perplexity, tokens, examples, ci95 } = s;
  return { variant, loss, perplexity, tokens, examples, ci95, exampleLosses: s.perExample.map((e) => e.loss) };
}

export const evaluateHandler: HandlerSpec<'evaluate'> = {
  gpu: true,
  // Read-only on the model: during a training run it runs at a step boundary.
  betweenSteps: true,
  async run(params, job) {
    const started = performance.now();
    const loaded = job.state.session.requireModel();
    const { name, examples: raw } = await datasetExamples(job, params, loaded);
    const variants = await openVariants(job, params);
    const seed = Number.isInteger(params.seed) ? params.seed! : 0;
    const batched = params.batched ?? true;
    try {
      const examples = scoredExamples(raw, loaded.model.config.maxPositionEmbeddings);
      const scores = await evaluateVariants(loaded.model, examples, variants, {
        batched,
        seed,
        onProgress: (done, total) => {
          job.signal.throwIfAborted();
          job.progress('score', done, total, 'items');
        },
      });
      let predict: PredictOutcome | null = null;
      if (params.predict && params.predict.count > 0) {
        const t0 = performance.now();
        const { count, maxNewTokens, temperature } = params.predict;
        job.progress('predict', 0, count * variants.length, 'items');
        const grid = await predictGrid(loaded.model, loaded.tokenizer, examples, variants, count, {
          maxNewTokens,
          seed,
          temperature,
          batched,
          signal: job.signal,
        });
        job.signal.throwIfAborted();
        predict = {
          prompts: grid.prompts.map(({ index, prompt, reference }) => ({ index, prompt, reference })),
          cells: grid.cells.map((row, v) =>
            row.map((cell, p) => ({ text: cell.text, finishReason: cell.finishReason, ...grid.scores[v][p] })),
          ),
          metrics: grid.metrics,
          millis: performance.now() - t0,
        };
      }
      const details = worstDetails(scores, examples, loaded.tokenizer, params.detailCount ?? 8);
      return {
        dataset: name,
        variants: scores.map(summary),
        details,
        predict,
        backend: tf.getBackend(),
        batched,
        millis: performance.now() - started,
      };
    } catch (e) {
      if (e instanceof EvalInputError) throw new InvalidRequestError(e.message);
      throw e;
    }
  },
};
