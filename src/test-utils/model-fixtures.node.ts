/**
 * Shared test helpers for the committed tiny checkpoints under fixtures/models/ (written by
 * scripts/fixtures/make_model_fixtures.py, golden log-probs from its float64 PyTorch reference).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderFiles } from '../model/folder-files.node.js';
import type { ModelFiles } from '../spec/model-files';
import type { LocalModelSource } from '../protocol/model-types';

export { folderFiles };

/** Repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every committed model fixture. */
export const MODEL_FIXTURES = [
  'llama-tied',
  'llama3-rope-untied',
  'mistral',
  'qwen2',
  'qwen3',
  'llama-sharded',
  'llama-bf16',
  'qwen2-f16',
] as const;
export type ModelFixture = (typeof MODEL_FIXTURES)[number];

/** Published configs (no weights) under fixtures/configs/ for `inspect` and memory estimates. */
export const CONFIG_FIXTURES = [
  'smollm2-135m',
  'smollm2-360m',
  'qwen2.5-0.5b',
  'qwen3-0.6b',
  'llama-3.2-1b',
  'tinyllama-1.1b',
  'mistral-7b-v0.1',
] as const;

export function modelFixtureDir(name: ModelFixture): string {
  return path.join(REPO_ROOT, 'fixtures', 'models', name);
}

export function modelFixtureFiles(name: ModelFixture): ModelFiles {
  return folderFiles(modelFixtureDir(name));
}

/**
 * A fixture as the engine receives dropped files (source 'tiny'): every file but golden.json, or only those `keep`
 * accepts (e.g. the tokenizer files a data worker needs).
 */
export function fixtureFilesSource(name: ModelFixture, keep: (file: string) => boolean = () => true): LocalModelSource {
  const dir = modelFixtureDir(name);
  const files = readdirSync(dir)
    .filter((n) => n !== 'golden.json' && keep(n))
    .map((n) => ({ name: n, blob: new Blob([readFileSync(path.join(dir, n))]) }));
  return { kind: 'files', name: 'tiny', files };
}

export interface GoldenSequence {
  ids: number[];
  logprobs: (number | null)[];
}

interface GoldenFile {
  sequences: GoldenSequence[];
  /** `${mode}-g${groupSize}` → per sequence, log-probs with the linear weights fake-quantized in PyTorch. */
  quantized?: Record<string, (number | null)[][]>;
}

function readGolden(name: ModelFixture): GoldenFile {
  return JSON.parse(readFileSync(path.join(modelFixtureDir(name), 'golden.json'), 'utf8')) as GoldenFile;
}

/** Golden per-token log-probabilities of the fixture (natural log, entry 0 null). */
export function goldenLogProbs(name: ModelFixture): GoldenSequence[] {
  return readGolden(name).sequences;
}

/** Fixtures with quantized goldens (llama-tied, llama3-rope-untied, qwen3; group size 64). */
export const QUANT_GOLDEN_FIXTURES = [
  'llama-tied',
  'llama3-rope-untied',
  'qwen3',
] as const satisfies readonly ModelFixture[];

/**
 * Golden log-probs of the fixture's sequences with its q/k/v/o/gate/up/down weights packed as `mode` (group 64),
 * simulated in PyTorch by make_model_fixtures.py (same sequences as `goldenLogProbs`).
 */
export function goldenQuantizedLogProbs(name: ModelFixture, mode: 'int8' | 'int4' | 'nf4'): GoldenSequence[] {
  const g = readGolden(name);
  const q = g.quantized?.[`${mode}-g64`];
  if (!q) throw new Error(`fixture ${name} has no ${mode}-g64 golden`);
  return g.sequences.map((s, i) => ({ ids: s.ids, logprobs: q[i] }));
}
