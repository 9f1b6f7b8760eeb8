/**
 * Autoregressive generation with a KV cache: the prompt goes through the model once (prefill), then each step
 * feeds only the newest token. Only the last position's logits are read back (greedy: only their argmax and its
 * logit), and every tensor made per step is freed, so memory stays flat however long the output.
 */
import { asGeneration } from '../backend/generation-scope';
import { tf, type Tensor3D } from '../backend/tf';
import type { TextTokenizer } from '../tokenizer/types';
import { Rng } from '../util/rng';
import { picksRawArgmax, sampleToken, validateSamplingParams } from './sampler';
import { OutputTracker } from './output-tracker';
import type {
  FinishReason,
  GenerateCallbacks,
  GenerateRequest,
  GenerateResult,
  GenerationCache,
  GenerationModel,
} from './types';

/** Tokenizes the request's input (prompt text, conversation, or ids). */
export function promptIds(tokenizer: TextTokenizer, request: GenerateRequest): number[] {
  const given = [request.prompt !== undefined, request.messages !== undefined, request.promptIds !== undefined].filter(
    Boolean,
  ).length;
  if (given !== 1) throw new Error('generate: give exactly one of prompt, messages or promptIds');
  if (request.promptIds) return [...request.promptIds];
  if (request.messages) {
    const text = tokenizer.applyChatTemplate(request.messages, {
      addGenerationPrompt: true,
      templateVariables: request.templateVariables,
    });
    // The rendered template already holds its special tokens (BOS included), as transformers tokenizes it.
    return tokenizer.encode(text, { addSpecialTokens: false });
  }
  return tokenizer.encode(request.prompt ?? '');
}

function validate(request: GenerateRequest, ids: number[], vocab: number, maxPositions: number): void {
  validateSamplingParams(request);
  if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1) {
    throw new Error(`maxNewTokens must be an integer ≥ 1, got ${request.maxNewTokens}`);
  }
  if (ids.length === 0) throw new Error('generate: the prompt is empty (no tokens); give some text or a BOS token');
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad !== undefined) throw new Error(`generate: prompt token id ${bad} is outside the vocabulary [0, ${vocab})`);
  if (ids.length >= maxPositions) {
    throw new Error(`generate: the prompt is ${ids.length} tokens; this model's context is ${maxPositions} tokens`);
  }
}

/**
 * Runs `ids` through the model (appending to `cache`) and picks the next token from the last position's logits.
 * Greedy without a repetition penalty reads back only the argmax and its logit (8 bytes instead of the [vocab] row:
 * 600 KB per token at a 152k vocabulary, a GPU→CPU copy and a large allocation per token); the whole row is read
 * when sampling needs it, or when that logit is not finite (NaN/±∞: the host's argmax decides, as before).
 */
async function nextToken<C extends GenerationCache>(
  model: GenerationModel<C>,
  ids: number[],
  cache: C,
  request: GenerateRequest,
  context: { allowed: number; ids: number[]; rng: Rng },
): Promise<number> {
  const vocab = model.config.vocab;
  const step = () => {
    const input = tf.tensor2d(ids, [1, ids.length], 'int32'); // [1, seq]
    const opts = { cache, hook: request.hook ?? null };
    const pick = (t: Tensor3D) => t.slice([0, ids.length - 1, 0], [1, 1, -1]) as Tensor3D; // [1, 1, ·]
    if (model.hiddenStates && model.logits) {
      const h = model.hiddenStates(input, opts); // [1, seq, hidden]
      return model.logits(pick(h)).reshape([vocab]); // [vocab]
    }
    return pick(model.forward(input, opts)).reshape([vocab]); // [vocab]
  };
  const greedy = picksRawArgmax(request);
  // The kernels' generation form (see backend/generation-scope.ts).
  const [last, best] = asGeneration(() =>
    tf.tidy((): tf.Tensor[] => {
      const logits = step(); // [vocab]
      if (!greedy) return [logits];
      // Ids past the tokenizer's vocabulary are padding rows of the embedding: never picked
      const seen = context.allowed < vocab ? logits.slice([0], [context.allowed]) : logits; // [allowed]
      const id = seen.argMax().toFloat().reshape([1]); // [1] (tfjs-webgpu's argMax of a vector is [1], not a scalar)
      return [logits, tf.concat([id, seen.max().reshape([1])])]; // [vocab], [2]: id and its logit
    }),
  );
  try {
    if (best) {
      const [id, value] = (await best.data()) as Float32Array;
      if (Number.isFinite(value)) return id;
    }
    const data = (await last.data()) as Float32Array;
    if (context.allowed < vocab) data.fill(-Infinity, context.allowed);
    return sampleToken(data, context.ids, request, context.rng);
  } finally {
    tf.dispose(best ? [last, best] : [last]);
  }
}

/** Resolves after queued macrotasks (worker messages) had their turn; setImmediate in Node, a MessageChannel elsewhere. */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return messageChannelYield();
}

/** The channel `messageChannelYield` posts through, and who waits on it (resolved in the order they posted). */
let yieldChannel: MessageChannel | null = null;
const yieldWaiters: Array<() => void> = [];

/**
 * A macrotask hop through one MessageChannel kept for the worker's life: a fresh channel per call (one per decoded
 * token) cost 49–52 µs a hop in a Chromium 156 worker against 15–17 for the kept one (Node: 42–97 against 3–5).
 * Messages arrive in the order posted, so concurrent callers resume in the order they yielded.
 */
export function messageChannelYield(): Promise<void> {
  if (!yieldChannel) {
    yieldChannel = new MessageChannel();
    yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
    (yieldChannel.port1 as { unref?: () => void }).unref?.(); // Node: the kept port alone holds no process open
  }
  const channel = yieldChannel;
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    channel.port2.postMessage(null);
  });
}

/**
 * Generates a continuation of `request`'s prompt. Tokens stream through `callbacks.onToken` as they are produced;
 * `callbacks.signal` stops after the current step. The streamed texts concatenate to the result's `text`. The cache
 * is freed whatever happens.
 */
export async function generate<C extends GenerationCache>(
  model: GenerationModel<C>,
  tokenizer: TextTokenizer,
  request: GenerateRequest,
  callbacks: GenerateCallbacks = {},
): Promise<GenerateResult> {
  const prompt = promptIds(tokenizer, request);
  const { vocab, maxPositionEmbeddings } = model.config;
  validate(request, prompt, vocab, maxPositionEmbeddings);
  const maxNew = Math.min(request.maxNewTokens, maxPositionEmbeddings - prompt.length);
  const seed = request.seed ?? Math.floor(Math.random() * 2 ** 32);
  const rng = new Rng(seed);
  const allowed = tokenizer.vocabSize > 0 ? Math.min(tokenizer.vocabSize, vocab) : vocab;
  const eos = [...tokenizer.eosTokenIds, ...(model.config.eosTokenIds ?? [])];
  const output = new OutputTracker(tokenizer, eos, request.stop ?? [], maxNew);
  const context = [...prompt];
  let finishReason: FinishReason = 'length';

  const cache = model.createCache(1, prompt.length + maxNew);
  const t0 = performance.now();
  let t1 = t0;
  try {
    const sampling = { allowed, ids: context, rng };
    let id = await nextToken(model, prompt, cache, request, sampling);
    t1 = performance.now();
    for (;;) {
      // An abort during a forward pass still samples from the logits it produced, so the held-back text is
      // flushed with a token; only an abort before the first token ends with nothing.
      const aborted = callbacks.signal?.aborted ?? false;
      if (aborted && output.ids.length === 0) {
        finishReason = 'aborted';
        break;
      }
      context.push(id);
      const { text, finish } = output.add(id, aborted);
      callbacks.onToken?.({ id, text, index: output.ids.length - 1 });
      if (finish) {
        finishReason = finish;
        break;
      }
      // wasm/cpu reads resolve as microtasks: yield so a stop, a cancel or a new adapter weight can arrive.
      await yieldToEventLoop();
      id = await nextToken(model, [id], cache, request, sampling);
    }
  } finally {
    cache.dispose();
  }
  const ids = output.ids;
  const decodeMs = performance.now() - t1;
  return {
    text: output.text,
    ids,
    finishReason,
    promptTokens: prompt.length,
    newTokens: ids.length,
    prefillMs: t1 - t0,
    decodeMs,
    seed,
  };
}
