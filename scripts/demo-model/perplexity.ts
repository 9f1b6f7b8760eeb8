/**
 * Held-out perplexity with the engine's own loss (`causalLmLossSum`): non-overlapping context-length windows of
 * the held-out token stream, each scored from its first token, exp(mean NLL). The unit test re-computes it on a
 * short slice to check the shipped weights still match the model card.
 */
import type { DecoderModel } from '../../src/model/llama';
import { makeBatch } from '../../src/train/batch';
import { causalLmLossSum } from '../../src/train/loss';
import { evalWindows } from './token-stream';

/** Tokens of the held-out stream the unit test scores (2 windows: fast, still a few hundred predictions). */
export const TEST_SLICE_TOKENS = 512;

export interface Perplexity {
  perplexity: number;
  /** Mean NLL in nats per predicted token. */
  loss: number;
  /** Predicted tokens. */
  tokens: number;
}

/** Scores the windows of the first `maxTokens` of `stream`, or every `every`-th of them (a spread sample). */
export async function heldOutPerplexity(
  model: DecoderModel,
  stream: Int32Array,
  context: number,
  maxTokens = stream.length,
  every = 1,
): Promise<Perplexity> {
  const windows = evalWindows(stream, context, maxTokens).filter((_, i) => i % every === 0);
  let sum = 0;
  let tokens = 0;
  for (let i = 0; i < windows.length; i += 4) {
    const batch = makeBatch(windows.slice(i, i + 4), { maxSeqLen: context, bucket: 1 });
    const s = causalLmLossSum(model, batch, null);
    sum += (await s.data())[0];
    s.dispose();
    tokens += batch.labels.length;
  }
  const loss = sum / tokens;
  return { perplexity: Math.exp(loss), loss, tokens };
}
