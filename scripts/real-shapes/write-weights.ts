/**
 * Streams random bf16 weights for every tensor a config implies into safetensors files, 2 MiB at a time: a
 * 1.2-billion-parameter checkpoint is written without ever holding more than one chunk. Values are drawn from a
 * 65536-entry table of pre-rounded bf16 samples indexed by a xorshift PRNG (one table lookup per weight), which keeps
 * a 2.5 GB file to seconds of CPU. Projections and embeddings ~ N(0, 0.02²) as an initialised or trained model has;
 * RMSNorm gains ~ 1 ± 0.02. Deterministic: each tensor's stream is seeded from its name.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ExpectedTensor } from '../../src/model/checkpoint';
import { floatToBf16Bits } from '../../src/formats/safetensors-dtype';
import { safetensorsHeaderBytes, type SafetensorsLayoutEntry } from '../../src/formats/safetensors-write';

const WEIGHT_STD = 0.02;
const CHUNK = 1 << 20; // elements per write (2 MiB of bf16)

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** 65536 bf16 codes of `mean + std·z`, z standard normal (Box–Muller on a fixed seed). */
function bf16Table(mean: number, std: number): Uint16Array {
  const next = xorshift(12345);
  const t = new Uint16Array(65536);
  for (let i = 0; i < t.length; i += 2) {
    const u = (next() + 1) / 4294967297;
    const v = next() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u));
    t[i] = floatToBf16Bits(mean + std * r * Math.cos(2 * Math.PI * v));
    t[i + 1] = floatToBf16Bits(mean + std * r * Math.sin(2 * Math.PI * v));
  }
  return t;
}

let tables: { weight: Uint16Array; norm: Uint16Array } | null = null;

const isNorm = (name: string): boolean => /norm\.weight$/.test(name);
const elementsOf = (t: ExpectedTensor): number => t.shape.reduce((a, d) => a * d, 1);

/** Writes `tensors` (their bytes back to back after the header) to one safetensors file; returns its size. */
function writeShard(file: string, tensors: readonly ExpectedTensor[]): number {
  tables ??= { weight: bf16Table(0, WEIGHT_STD), norm: bf16Table(1, WEIGHT_STD) };
  const layout: SafetensorsLayoutEntry[] = tensors.map((t) => ({
    name: t.name,
    dtype: 'BF16',
    shape: t.shape,
    byteLength: 2 * elementsOf(t),
  }));
  const head = safetensorsHeaderBytes(layout, { format: 'pt' });
  const fd = openSync(file, 'w');
  let size = 0;
  try {
    size += writeSync(fd, head);
    const chunk = new Uint16Array(CHUNK);
    for (const t of tensors) {
      const table = isNorm(t.name) ? tables.norm : tables.weight;
      const next = xorshift(seedOf(t.name));
      for (let left = elementsOf(t); left > 0; left -= CHUNK) {
        const n = Math.min(CHUNK, left);
        for (let i = 0; i < n; i += 2) {
          const r = next();
          chunk[i] = table[r & 0xffff];
          chunk[i + 1] = table[r >>> 16]; // one past n when n is odd: never written out
        }
        size += writeSync(fd, chunk, 0, 2 * n);
      }
    }
  } finally {
    closeSync(fd);
  }
  return size;
}

/**
 * Writes `model.safetensors`, or `shards` files `model-0000i-of-0000N.safetensors` split at tensor boundaries
 * into roughly equal byte counts plus `model.safetensors.index.json`, as transformers' `save_pretrained` does.
 * Returns the file names written.
 */
export function writeRandomWeights(dir: string, tensors: readonly ExpectedTensor[], shards: number): string[] {
  if (shards <= 1) {
    writeShard(path.join(dir, 'model.safetensors'), tensors);
    return ['model.safetensors'];
  }
  const total = tensors.reduce((a, t) => a + 2 * elementsOf(t), 0);
  const groups: ExpectedTensor[][] = Array.from({ length: shards }, () => []);
  let done = 0;
  for (const t of tensors) {
    groups[Math.min(shards - 1, Math.floor((done / total) * shards))].push(t);
    done += 2 * elementsOf(t);
  }
  const pad = (n: number): string => String(n).padStart(5, '0');
  const names = groups.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards)}.safetensors`);
  const weightMap: Record<string, string> = {};
  groups.forEach((g, i) => {
    writeShard(path.join(dir, names[i]), g);
    for (const t of g) weightMap[t.name] = names[i];
  });
  const index = { metadata: { total_size: total }, weight_map: weightMap };
  writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index, null, 2) + '\n');
  return [...names, 'model.safetensors.index.json'];
}
