/**
 * Suite 4 — generation, on an int4 and an f32 base: prefill tokens/s and greedy decode tokens/s with the KV cache
 * at context 64 / 256 / 1024, against decoding without the cache (the whole sequence re-run through the model for
 * every new token). The cached path is the studio's own `generate` (greedy, prompt given as ids); the uncached
 * path re-runs `hiddenStates` over the whole sequence and the LM head on the last row, reading each token back.
 */
import { tf, type Tensor2D, type Tensor3D } from '../../src/backend/tf';
import type { DecoderModel, QuantMode } from '../../src/model';
import { generate } from '../../src/generate';
import { createLinearFactory } from '../../src/model/linear-factory';
import { byteLevelTokenizerJson, createTokenizer } from '../../src/tokenizer';
import { figure, rate, type SuiteContext } from '../core/context';
import { runPlan, timeRuns } from '../core/measure';
import { randomIds } from '../core/random';
import { ratioOf, type Summary } from '../core/stats';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';

export const GEN_CONTEXTS = [64, 256, 1024] as const;
/** int4 is the base the studio generates with by default (the `generate` CLI's default --quant); f32 for contrast (not with --quick). */
export function genModes(quick: boolean): QuantMode[] {
  return quick ? ['int4'] : ['int4', 'f32'];
}

/** Greedy next token after `ids` by a full forward without a cache; reads one int back. */
async function nextTokenNoCache(model: DecoderModel, ids: number[]): Promise<number> {
  const next = tf.tidy(() => {
    const input = tf.tensor2d(Int32Array.from(ids), [1, ids.length], 'int32') as Tensor2D;
    const h = model.hiddenStates(input); // [1, seq, hidden]
    const last = h.slice([0, ids.length - 1, 0], [1, 1, -1]) as Tensor3D; // [1, 1, hidden]
    return model.logits(last).reshape([-1]).argMax(); // scalar int32
  });
  const id = (await next.data())[0];
  next.dispose();
  return id;
}

interface GenTimes {
  prefill: Summary;
  cached: Summary;
  uncached: Summary;
}

/** Byte-level tokenizer (ids 0–255, no EOS), so `generate` streams text and never stops early on a random model. */
const BYTE_TOKENIZER = createTokenizer(byteLevelTokenizerJson(), {}, undefined, { label: 'bytes' });

/**
 * The studio's own `generate` (src/generate): prefill, then greedy decode through the KV cache with sampling,
 * streaming detokenization and stop checks per token. Returns its prefill time and the time of the
 * `newTokens − 1` cached decode steps (ms).
 */
async function cachedRun(
  model: DecoderModel,
  prompt: number[],
  newTokens: number,
): Promise<{ prefill: number; decode: number }> {
  const r = await generate(model, BYTE_TOKENIZER, {
    promptIds: prompt,
    maxNewTokens: newTokens,
    temperature: 0,
    seed: 1,
  });
  if (r.newTokens !== newTokens)
    throw new Error(`generate stopped after ${r.newTokens} of ${newTokens} tokens (${r.finishReason})`);
  return { prefill: r.prefillMs, decode: r.decodeMs };
}

async function measureContext(ctx: SuiteContext, model: DecoderModel, context: number): Promise<GenTimes> {
  const quick = ctx.opts.quick;
  const newTokens = quick ? 6 : 16;
  const uncachedTokens = quick ? 2 : 4;
  const prompt = Array.from(randomIds(context, model.config.vocab, context));
  const plan = runPlan(quick, true);
  const prefillMs: number[] = [];
  const decodeMs: number[] = [];
  for (let i = 0; i < plan.warmup + plan.runs; i++) {
    const r = await cachedRun(model, prompt, newTokens);
    if (i < plan.warmup) continue;
    prefillMs.push(r.prefill);
    decodeMs.push(r.decode);
  }
  const uncachedMs = await timeRuns(plan, async () => {
    const seq = [...prompt];
    for (let i = 0; i < uncachedTokens; i++) seq.push(await nextTokenNoCache(model, seq));
  });
  return {
    prefill: rate(prefillMs, context),
    cached: rate(decodeMs, newTokens - 1),
    uncached: rate(uncachedMs, uncachedTokens),
  };
}

async function measureMode(ctx: SuiteContext, mode: QuantMode): Promise<void> {
  const c = benchModelConfig(ctx.opts.model);
  const model = buildModel(c, randomWeights(c), createLinearFactory(mode));
  try {
    for (const context of GEN_CONTEXTS) {
      const t = await measureContext(ctx, model, context);
      const base = `generate/${mode}/ctx${context}`;
      const what = `${mode} base, context ${context}`;
      ctx.report(figure('generate', `${base}/prefill-tok-s`, `${what}: prefill`, 'tok/s', t.prefill, true));
      ctx.report(
        figure('generate', `${base}/decode-cache-tok-s`, `${what}: decode with KV cache`, 'tok/s', t.cached, true),
      );
      ctx.report(
        figure(
          'generate',
          `${base}/decode-nocache-tok-s`,
          `${what}: decode without cache (full re-run)`,
          'tok/s',
          t.uncached,
          true,
        ),
      );
      ctx.report(
        figure(
          'generate',
          `${base}/cache-speedup`,
          `${what}: KV-cache speed-up`,
          '×',
          ratioOf(t.cached, t.uncached),
          true,
        ),
      );
    }
  } finally {
    model.dispose();
  }
}

export async function runGenerateSuite(ctx: SuiteContext): Promise<void> {
  for (const mode of genModes(ctx.opts.quick)) await measureMode(ctx, mode);
  if (ctx.opts.quick) ctx.skip('generate', 'f32 base', '--quick');
}
