/**
 * The studio's memory estimate for the published configs (fixtures/configs), without loading anything: the number
 * `estimateTraining` shows and `train`'s summary line prints as `estimateBytes`, for LoRA r16 all-linear (dropout
 * 0.05), batch 1, the default checkpointing, one row per model × quant × seq. WebGPU rows use the studio's f16
 * embeddings there (GPU buffer bytes); wasm rows f32 embeddings (the heap, WASM_HEAP_FACTOR included).
 *
 *   npx tsx scripts/memory-estimates.ts [--models smollm2-135m,qwen2.5-0.5b,llama-3.2-1b] [--quants int4,nf4,int8]
 *     [--seqs 256,512]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseModelConfig, type ModelConfig } from '../src/model/config';
import { layerLinearShapes } from '../src/model/memory-estimate';
import { linearPath } from '../src/model/weights';
import { DEFAULT_LORA_CONFIG } from '../src/spec/lora-config';
import type { QuantMode } from '../src/spec/modules';
import { DEFAULT_TRAIN_CONFIG } from '../src/spec/train-config';
import { estimateRunMemory, type EstimatedBase } from '../src/train/run-estimate';
import { REPO_ROOT } from './real-shapes/catalog';

/** A base as the estimate sees it, from config.json alone. */
export function configBase(config: ModelConfig): EstimatedBase {
  const linears = new Map<string, { inFeatures: number; outFeatures: number }>();
  for (let i = 0; i < config.layers; i++) {
    for (const l of layerLinearShapes(config))
      linears.set(linearPath(i, l.name), { inFeatures: l.shape[1], outFeatures: l.shape[0] });
  }
  return { config, linears: () => linears };
}

/** The studio's estimate (bytes) for one row. */
export function estimateRow(model: string, quant: QuantMode, seq: number, backend: 'webgpu' | 'wasm'): number {
  const json: unknown = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'fixtures/configs', model, 'config.json'), 'utf8'),
  );
  const lora = { ...DEFAULT_LORA_CONFIG, rank: 16, alpha: 32 };
  const train = { ...DEFAULT_TRAIN_CONFIG, maxSeqLen: seq, batchSize: 1, method: 'sft' as const };
  return estimateRunMemory(configBase(parseModelConfig(json)), lora, {
    quant,
    embeddings: backend === 'webgpu' ? 'f16' : 'f32',
    train,
    longestExample: null,
    checkpointing: true,
    backend,
  }).memory.totalBytes;
}

function arg(argv: string[], name: string, fallback: string): string[] {
  const i = argv.indexOf(`--${name}`);
  return (i >= 0 && argv[i + 1] ? argv[i + 1] : fallback).split(',');
}

function main(argv: string[]): void {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const seqs = arg(argv, 'seqs', '256,512').map(Number);
  const lines = [
    '| model | quant | ' + seqs.flatMap((s) => [`WebGPU seq ${s}`, `wasm heap seq ${s}`]).join(' | ') + ' |',
  ];
  lines.push('|' + ' --- |'.repeat(2 + 2 * seqs.length));
  for (const model of arg(argv, 'models', 'smollm2-135m,qwen2.5-0.5b,llama-3.2-1b')) {
    for (const quant of arg(argv, 'quants', 'int4,nf4,int8') as QuantMode[]) {
      const cells = seqs.flatMap((s) => [
        gib(estimateRow(model, quant, s, 'webgpu')),
        gib(estimateRow(model, quant, s, 'wasm')),
      ]);
      lines.push(`| ${model} | ${quant} | ${cells.join(' | ')} |`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? ''))
  main(process.argv.slice(2));
