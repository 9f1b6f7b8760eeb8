/**
 * Streaming check for merged exports: writes a synthetic ~100M-parameter Llama checkpoint (f32, ~400 MB), then
 * exports it merged with a rank-16 all-linear adapter to GGUF (F16 and Q8_0) and to a Hugging Face folder (BF16),
 * sampling the process RSS. A streamed export's peak stays near one tensor, far below the file it writes.
 *   npx tsx bench/export-stream.ts
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically, writeFolderAtomically } from '../src/export/file-sink.node.js';
import { writeGgufModel } from '../src/export/gguf-model';
import { writeMergedHf } from '../src/export/merged-hf';
import { openMergedWeights, type MergedWeights } from '../src/export/merged-weights';
import type { Stacked } from '../src/lora/merge';
import { expectedTensors } from '../src/model/checkpoint';
import { parseModelConfig } from '../src/model/config';
import { layerLinearShapes } from '../src/model/memory-estimate';
import { folderFiles } from '../src/model/folder-files.node.js';
import { linearPath } from '../src/model/weights';
import { byteLevelTokenizerJson } from '../src/tokenizer/byte-vocab';
import { Rng } from '../src/util/rng';

const raw = {
  model_type: 'llama',
  architectures: ['LlamaForCausalLM'],
  hidden_size: 768,
  intermediate_size: 2048,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_key_value_heads: 4,
  vocab_size: 32000,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
};
const config = parseModelConfig(raw);
const dir = path.join(os.tmpdir(), 'lorastudio-export-bench');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const base = path.join(dir, 'base');
const rng = new Rng(1);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 0.02));

let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

async function measure(label: string, out: string, work: () => Promise<unknown>): Promise<void> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  peak = before;
  const t0 = performance.now();
  await work();
  const size = statSync(out).isDirectory()
    ? ['model.safetensors'].map((f) => statSync(path.join(out, f)).size).reduce((a, b) => a + b, 0)
    : statSync(out).size;
  console.log(
    `${label}: ${mib(size)} written in ${((performance.now() - t0) / 1000).toFixed(1)} s; RSS before ${mib(before)}, peak ${mib(peak)} (+${mib(peak - before)})`,
  );
}

// The synthetic base, itself written by the streaming HF writer from a generating source.
const shapeOf = (name: string) => expectedTensors(config).find((t) => t.name === name)!.shape;
const synthetic: MergedWeights = {
  tensors: expectedTensors(config),
  read: async (name) =>
    name.includes('norm') ? new Float32Array(config.hidden).fill(1) : random(shapeOf(name).reduce((a, d) => a * d, 1)),
  async *rows(name) {
    const [rows, cols = 1] = shapeOf(name).length === 2 ? shapeOf(name) : [1, shapeOf(name)[0]];
    for (let r = 0; r < rows; r += 4096)
      yield name.includes('norm') ? new Float32Array(cols).fill(1) : random(Math.min(4096, rows - r) * cols);
  },
};
writeFileSync(path.join(dir, 'config.json'), JSON.stringify(raw));
const files0 = folderFiles(dir);
await measure('synthetic base, HF F32 (~100M params)', base, () =>
  writeFolderAtomically(base, (sink) => writeMergedHf(sink, files0, synthetic, { dtype: 'F32' })),
);
writeFileSync(path.join(base, 'tokenizer.json'), JSON.stringify(byteLevelTokenizerJson()));

const factors = new Map<string, Stacked>();
for (let i = 0; i < config.layers; i++) {
  for (const l of layerLinearShapes(config)) {
    const [out, inF] = l.shape;
    factors.set(linearPath(i, l.name), {
      rank: 16,
      inFeatures: inF,
      outFeatures: out,
      a: random(16 * inF),
      b: random(out * 16),
    });
  }
}
const files = folderFiles(base);
for (const type of ['F16', 'Q8_0'] as const) {
  const out = path.join(dir, `merged-${type}.gguf`);
  await measure(`merged GGUF ${type}`, out, async () =>
    writeFileAtomically(out, async (sink) =>
      writeGgufModel(sink, files, config, await openMergedWeights(files, config, factors), { type, name: 'bench' }),
    ),
  );
}
const hf = path.join(dir, 'merged-hf');
await measure('merged HF folder BF16', hf, async () =>
  writeFolderAtomically(hf, async (sink) =>
    writeMergedHf(sink, files, await openMergedWeights(files, config, factors), { dtype: 'BF16' }),
  ),
);
clearInterval(timer);
rmSync(dir, { recursive: true, force: true });
