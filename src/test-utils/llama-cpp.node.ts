/**
 * llama.cpp as the judge of our GGUF files, through node-llama-cpp's prebuilt CPU binary (never built or
 * downloaded here): per-position log-probabilities and greedy continuations of a GGUF model, optionally with
 * GGUF LoRA adapters applied by llama.cpp itself.
 */
import { getLlama, type ControlledEvaluateInputItem, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';

let llama: Promise<Llama> | null = null;

function llamaCpp(): Promise<Llama> {
  llama ??= getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, progressLogs: false });
  return llama;
}

export interface JudgeOptions {
  adapters?: { filePath: string; scale?: number }[];
}

/** Runs `fn` with a loaded model and a fresh context (batch covers the sequence), disposing both. */
async function withContext<T>(
  modelPath: string,
  tokens: number,
  opts: JudgeOptions,
  fn: (seq: ReturnType<Awaited<ReturnType<LlamaModel['createContext']>>['getSequence']>) => Promise<T>,
): Promise<T> {
  const model = await (await llamaCpp()).loadModel({ modelPath, gpuLayers: 0 });
  try {
    const size = Math.max(64, tokens + 8);
    const context = await model.createContext({
      contextSize: size,
      batchSize: size,
      threads: 1,
      ...(opts.adapters ? { lora: { adapters: opts.adapters } } : {}),
    });
    try {
      return await fn(context.getSequence());
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** Tokens to evaluate, asking for the next-token logits after those at `want`. */
function evalItems(ids: readonly number[], want: (i: number) => boolean): ControlledEvaluateInputItem[] {
  return ids.map((id, i) => (want(i) ? [id as Token, { generateNext: { logits: true } }] : (id as Token)));
}

/** log-softmax over a logits map (the full vocabulary), in float64. */
function logProbOf(logits: Map<number, number>, token: number): number {
  let max = -Infinity;
  for (const v of logits.values()) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits.values()) sum += Math.exp(v - max);
  return logits.get(token)! - max - Math.log(sum);
}

/** llama.cpp's log p(ids[t] | ids[<t]) for t ≥ 1, with `null` first like our engine's `logProbs`. */
export async function llamaCppLogProbs(
  modelPath: string,
  ids: readonly number[],
  opts: JudgeOptions = {},
): Promise<(number | null)[]> {
  return withContext(modelPath, ids.length, opts, async (seq) => {
    const out = await seq.controlledEvaluate(evalItems(ids, (i) => i < ids.length - 1));
    const lps: (number | null)[] = [null];
    for (let t = 1; t < ids.length; t++) lps.push(logProbOf(out[t - 1]!.next.logits!, ids[t]));
    return lps;
  });
}

/** llama.cpp's greedy continuation of `prompt` (argmax of the logits, `n` tokens, no stop). */
export async function llamaCppGreedy(
  modelPath: string,
  prompt: readonly number[],
  n: number,
  opts: JudgeOptions = {},
): Promise<number[]> {
  return withContext(modelPath, prompt.length + n, opts, async (seq) => {
    const out: number[] = [];
    let input: number[] = [...prompt];
    for (let i = 0; i < n; i++) {
      const res = await seq.controlledEvaluate(evalItems(input, (j) => j === input.length - 1));
      const logits = res[res.length - 1]!.next.logits!;
      let best = -1;
      let bestV = -Infinity;
      for (const [tok, v] of logits) if (v > bestV || (v === bestV && tok < best)) [best, bestV] = [tok, v];
      out.push(best);
      input = [best];
    }
    return out;
  });
}

/**
 * llama.cpp's own tokenization of `text` (special tokens parsed, BOS prepended when the GGUF says add_bos), and
 * its BOS/EOS ids, for checking the GGUF tokenizer KVs.
 */
export async function llamaCppTokenize(
  modelPath: string,
  text: string,
): Promise<{ ids: number[]; bos: number | null; eos: number | null }> {
  const model = await (await llamaCpp()).loadModel({ modelPath, gpuLayers: 0 });
  try {
    const bos = model.tokens.bos;
    const ids = [...model.tokenize(text, true)];
    return {
      ids: model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...ids] : ids,
      bos,
      eos: model.tokens.eos,
    };
  } finally {
    await model.dispose();
  }
}
