/**
 * The Predict grid: the first N scored examples become prompts (their tokens before the first loss-carrying
 * token, i.e. exactly what the model was conditioned on in training) and references (the first loss-carrying span,
 * decoded without special tokens: the answer it was trained to write). Every variant generates from every prompt
 * with the same seed and sampling; each cell is scored against its reference.
 */
import type { TokenizedExample } from '../data/types';
import type { TextTokenizer } from '../tokenizer/types';
import { generateGrid, type GridCell, type GridModel, type GridSettings } from './batched-generate';
import { EvalInputError } from './errors';
import type { EvalVariant } from './evaluate';
import { meanScores, scorePrediction, type GridMetrics, type PredictionScore } from './text-metrics';

/** One row of the grid. */
export interface PredictPrompt {
  /** Index into the scored examples. */
  index: number;
  promptIds: number[];
  prompt: string;
  reference: string;
}

/** Prompt and reference of an example, or null when it has no loss token after a non-empty prompt. */
export function splitExample(example: TokenizedExample, tokenizer: TextTokenizer, index: number): PredictPrompt | null {
  const { ids, lossMask } = example;
  let first = 1;
  while (first < ids.length && !lossMask[first]) first++;
  if (first >= ids.length) return null;
  let end = first;
  while (end < ids.length && lossMask[end]) end++;
  const promptIds = Array.from(ids.subarray(0, first));
  const reference = tokenizer.decode(Array.from(ids.subarray(first, end)), { skipSpecialTokens: true });
  return { index, promptIds, prompt: tokenizer.decode(promptIds, { skipSpecialTokens: false }), reference };
}

/** The grid's cells and scores: cells[v][p], scores[v][p], metrics[v]. */
export interface PredictResult {
  prompts: PredictPrompt[];
  cells: GridCell[][];
  scores: PredictionScore[][];
  metrics: GridMetrics[];
}

/** Generates the first `count` prompts under every variant and scores each cell. */
export async function predictGrid(
  model: GridModel,
  tokenizer: TextTokenizer,
  examples: readonly TokenizedExample[],
  variants: readonly EvalVariant[],
  count: number,
  settings: GridSettings,
): Promise<PredictResult> {
  const prompts: PredictPrompt[] = [];
  for (let i = 0; i < examples.length && prompts.length < count; i++) {
    const p = splitExample(examples[i], tokenizer, i);
    if (p) prompts.push(p);
  }
  if (prompts.length === 0) throw new EvalInputError('No example has a prompt followed by an answer to predict.');
  const cells = await generateGrid(
    model,
    tokenizer,
    prompts.map((p) => p.promptIds),
    variants,
    settings,
  );
  const scores = cells.map((row) => row.map((cell, p) => scorePrediction(cell.text, prompts[p].reference)));
  return { prompts, cells, scores, metrics: scores.map(meanScores) };
}
