/**
 * llama.cpp as the judge of our GGUF files, through node-llama-cpp's prebuilt CPU binary (never built or
 * downloaded here): per-position log-probabilities and greedy continuations of a GGUF model, optionally with
 * GGUF LoRA adapters applied by llama.cpp itself.
 */
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';

let llama: Promise<Llama> | null = null;

function llamaCpp(): Promise<Llama> {
  llama ??= getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, progressLogs: false });
  return llama;
}

export interface JudgeOptions {
  adapters?: { filePath: string; scale?: number }[];
}

/** Runs `fn` with a loaded model and a fresh context (batch covers the sequence), disposing both. */
async function withContext<T>(modelPath: string, tokens: number, opts: JudgeOptions, fn: (seq: ReturnType<Awaited<ReturnType<LlamaModel['createContext']>>['getSequence']>) => Promise<T>): Promise<T> {
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

/** log-softmax over a logits map (the full vocabulary), in float64. */
function logProbOf(logits: Map<number, number>, token: number): number {
  let max = -Infinity;
  for (const v of logits.values()) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits.values()) sum += Math.exp(v - max);
  return logits.get(token)! - max - Math.log(sum);
}

/** llama.cpp's log p(ids[t] | ids[<t]) for t ≥ 1, with `null` first like our engine's `logProbs`. */
export async function llamaCppLogProbs(modelPath: string, ids: readonly number[], opts: JudgeOptions = {}): Promise<(number | null)[]> {
  return withContext(modelPath, ids.length, opts, async (seq) => {
    const input = ids.map((id, i) => (i < ids.length - 1 ? ([id, { generateNext: { logits: true } }] as [number, { generateNext: { logits: true } }]) : id));
    const out = await seq.controlledEvaluate(input);
    const lps: (number | null)[] = [null];
    for (let t = 1; t < ids.length; t++) lps.push(logProbOf(out[t - 1]!.next.logits!, ids[t]));
    return lps;
  });
}

/** llama.cpp's greedy continuation of `prompt` (argmax of the logits, `n` tokens, no stop). */
export async function llamaCppGreedy(modelPath: string, prompt: readonly number[], n: number, opts: JudgeOptions = {}): Promise<number[]> {
  return withContext(modelPath, prompt.length + n, opts, async (seq) => {
    const out: number[] = [];
    let input: number[] = [...prompt];
    for (let i = 0; i < n; i++) {
      const items = input.map((id, j) => (j === input.length - 1 ? ([id, { generateNext: { logits: true } }] as [number, { generateNext: { logits: true } }]) : id));
      const res = await seq.controlledEvaluate(items);
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

/** llama.cpp's own tokenization of `text` (special tokens parsed), for checking the GGUF tokenizer KVs. */
export async function llamaCppTokenize(modelPath: string, text: string): Promise<number[]> {
  const model = await (await llamaCpp()).loadModel({ modelPath, gpuLayers: 0 });
  try {
    return [...model.tokenize(text, true)];
  } finally {
    await model.dispose();
  }
}
