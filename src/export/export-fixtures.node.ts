/**
 * Test helpers for the export tests: random non-trivial adapters on a loaded base, and our engine's own
 * log-probabilities and greedy continuations to hold llama.cpp's against.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf, type Tensor2D } from '../backend/tf';
import { AdapterStack } from '../lora/adapter-stack';
import { specsOf } from '../lora/config';
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../spec/lora-config';
import { LoraAdapter } from '../lora/lora-adapter';
import type { DecoderModel } from '../model/llama';
import type { AdapterHook } from '../model/linear';
import { byteLevelTokenizerJson } from '../tokenizer/byte-vocab';
import { Rng } from '../util/rng';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `lorastudio-${prefix}-`));
}

/**
 * `dir` itself when it has a tokenizer, else a copy with a one-token-per-byte tokenizer cut to the model's
 * vocabulary (a GGUF model must carry a tokenizer; the tiny fixtures have none).
 */
export function withTokenizer(dir: string): string {
  if (existsSync(path.join(dir, 'tokenizer.json'))) return dir;
  const copy = path.join(tempDir('model'), path.basename(dir));
  cpSync(dir, copy, { recursive: true });
  const vocabSize = (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { vocab_size: number })
    .vocab_size;
  const json = byteLevelTokenizerJson() as { model: { vocab: Record<string, number> } };
  json.model.vocab = Object.fromEntries(Object.entries(json.model.vocab).filter(([, id]) => id < vocabSize));
  writeFileSync(path.join(copy, 'tokenizer.json'), JSON.stringify(json));
  return copy;
}

/** An adapter over `model` with Kaiming A and N(0, bStd) B, so it visibly changes the model. */
export async function randomAdapter(
  model: DecoderModel,
  seed: number,
  config: Partial<LoraConfig>,
  bStd: number,
): Promise<LoraAdapter> {
  const full = { ...DEFAULT_LORA_CONFIG, dropout: 0, ...config };
  const adapter = LoraAdapter.create(full, specsOf(model.linears()), new Rng(seed));
  const rng = new Rng(seed + 1000);
  const w = await adapter.weights();
  for (const v of w.values()) for (let i = 0; i < v.loraB.length; i++) v.loraB[i] = rng.normal(0, bStd);
  adapter.setWeights(w);
  return adapter;
}

export function stackOf(parts: ReadonlyArray<{ adapter: LoraAdapter; weight: number }>): AdapterStack {
  const stack = new AdapterStack();
  parts.forEach((p, i) => stack.set(`a${i}`, p.adapter, p.weight));
  return stack;
}

/**
 * Our greedy continuation by full forward passes (argmax of the last position, lowest id on ties), with the gap
 * between the best and second-best logit at each step.
 */
export async function ourGreedy(
  model: DecoderModel,
  prompt: readonly number[],
  n: number,
  hook: AdapterHook | null,
): Promise<{ ids: number[]; margins: number[] }> {
  const ids = [...prompt];
  const margins: number[] = [];
  for (let i = 0; i < n; i++) {
    const logits = tf.tidy(() => {
      const x = tf.tensor2d([ids], [1, ids.length], 'int32') as Tensor2D;
      const out = model.forward(x, { hook }); // [1, seq, vocab]
      return out.slice([0, ids.length - 1, 0], [1, 1, -1]).reshape([-1]);
    });
    const v = await logits.data();
    logits.dispose();
    let best = 0;
    for (let j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
    let second = -Infinity;
    for (let j = 0; j < v.length; j++) if (j !== best) second = Math.max(second, v[j]);
    ids.push(best);
    margins.push(v[best] - second);
  }
  return { ids: ids.slice(prompt.length), margins };
}

/** max and mean |a − b| over the non-null positions. */
export function logProbGap(
  a: readonly (number | null)[],
  b: readonly (number | null)[],
): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === null || b[i] === null) continue;
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
    n++;
  }
  return { max, mean: n ? sum / n : 0 };
}
