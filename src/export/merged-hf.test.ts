/**
 * The merged Hugging Face folder: sharded above the size limit with an index, loaded back by our own loader (which
 * reads sharded checkpoints as transformers does), equals base + adapters within 1e-4; bf16 halves the bytes.
 * Plus the Modelfile and "use it with" texts filled with the adapter's names.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { stackFactors } from '../lora/merge';
import type { LoraAdapter } from '../lora/lora-adapter';
import { loadModelConfig } from '../model/config';
import type { DecoderModel } from '../model/llama';
import { loadModel } from '../model/load';
import { folderFiles, REPO_ROOT } from '../test-utils/model-fixtures.node.js';
import { logProbGap, randomAdapter, stackOf, tempDir } from './export-fixtures.node.js';
import { writeFolderAtomically } from './file-sink.node.js';
import { writeMergedHf } from './merged-hf';
import { openMergedWeights } from './merged-weights';
import { modelfile } from './modelfile';
import { exportFileNames, useWithCommands } from './use-with';

const files = folderFiles(path.join(REPO_ROOT, 'fixtures/models/qwen2'));
const ids = [1, 17, 99, 3, 250, 42, 7, 128, 64, 5];
let model: DecoderModel;
let adapters: LoraAdapter[];

beforeAll(async () => {
  await initNodeBackend('wasm');
  model = await loadModel(files);
  adapters = [
    await randomAdapter(model, 3, { rank: 4, alpha: 8 }, 0.3),
    await randomAdapter(model, 4, { rank: 2, alpha: 4, useRslora: true }, 0.3),
  ];
});
afterAll(() => {
  adapters.forEach((a) => a.dispose());
  model.dispose();
});

describe('merged Hugging Face folder', () => {
  it('shards above the limit with an index, and scores like base + 0.6·A − 0.3·B within 1e-4', async () => {
    const mix = [
      { adapter: adapters[0], weight: 0.6 },
      { adapter: adapters[1], weight: -0.3 },
    ];
    const config = await loadModelConfig(files);
    const weights = await openMergedWeights(files, config, await stackFactors(mix));
    const out = path.join(tempDir('merged-hf'), 'qwen2-merged');
    const result = await writeFolderAtomically(out, (sink) =>
      writeMergedHf(sink, files, weights, { dtype: 'F32', maxShardBytes: 40_000 }),
    );
    expect(result.shards).toBeGreaterThan(1);
    const index = JSON.parse(readFileSync(path.join(out, 'model.safetensors.index.json'), 'utf8'));
    expect(index.metadata.total_size).toBe(result.weightBytes);
    expect(new Set(Object.values(index.weight_map)).size).toBe(result.shards);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const merged = await loadModel(folderFiles(out));
    try {
      const gap = logProbGap(await merged.logProbs(ids), await model.logProbs(ids, { hook: stackOf(mix) }));
      expect(gap.max).toBeLessThan(1e-4);
    } finally {
      merged.dispose();
    }
  });

  it('row blocks of any size concatenate to the whole merged tensor', async () => {
    const config = await loadModelConfig(files);
    const weights = await openMergedWeights(files, config, await stackFactors([{ adapter: adapters[0], weight: 0.5 }]));
    for (const name of [
      'model.embed_tokens.weight',
      'model.layers.1.mlp.down_proj.weight',
      'model.layers.0.self_attn.q_proj.bias',
      'model.norm.weight',
    ]) {
      const whole = await weights.read(name);
      const parts: number[] = [];
      for await (const block of weights.rows(name, 3 * 4 * 32)) parts.push(...block);
      expect(Float32Array.from(parts)).toEqual(whole);
    }
  });

  it('bf16 halves the weight bytes and says so in config.json', async () => {
    const config = await loadModelConfig(files);
    const weights = await openMergedWeights(files, config, await stackFactors([{ adapter: adapters[0], weight: 1 }]));
    const out = path.join(tempDir('merged-bf16'), 'm');
    const r = await writeFolderAtomically(out, (sink) => writeMergedHf(sink, files, weights, { dtype: 'BF16' }));
    expect(r.shards).toBe(1);
    expect(statSync(path.join(out, 'model.safetensors')).size).toBeLessThan(r.weightBytes + 4096);
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).torch_dtype).toBe('bfloat16');
    const merged = await loadModel(folderFiles(out));
    try {
      expect(logProbGap(await merged.logProbs(ids), await model.logProbs(ids, { hook: adapters[0] })).max).toBeLessThan(
        0.1,
      ); // bf16 keeps 8 bits of mantissa
    } finally {
      merged.dispose();
    }
  });
});

describe('Modelfile and "use it with" commands', () => {
  it('FROM + ADAPTER, a ChatML template and a stop per EOS token', () => {
    const text = modelfile({
      from: './base.gguf',
      adapter: './melville.gguf',
      stopTokens: ['<|endoftext|>', '<|im_end|>'],
      chatTemplate: "{{ '<|im_start|>' }}",
    });
    expect(text).toMatch(/^FROM \.\/base\.gguf\nADAPTER \.\/melville\.gguf\nTEMPLATE """/);
    expect(text).toContain('PARAMETER stop "<|endoftext|>"\nPARAMETER stop "<|im_end|>"\n');
  });

  it("fills every target with the adapter's real file names", () => {
    const names = exportFileNames('Ship log → JSON');
    expect(names).toMatchObject({
      stem: 'ship-log-json',
      adapterGguf: 'ship-log-json.gguf',
      mergedGguf: 'ship-log-json-merged.gguf',
    });
    const cmds = useWithCommands({ name: 'Ship log → JSON', baseModel: 'HuggingFaceTB/SmolLM2-135M', rank: 12 });
    expect(cmds.map((c) => c.target)).toEqual(['transformers', 'vllm', 'llama.cpp', 'ollama', 'lm-studio']);
    const by = Object.fromEntries(cmds.map((c) => [c.target, c.code]));
    expect(by.vllm).toContain(
      'vllm serve HuggingFaceTB/SmolLM2-135M --enable-lora --lora-modules ship-log-json=./ship-log-json --max-lora-rank 16',
    );
    expect(by['llama.cpp']).toContain('llama-cli -m base.gguf --lora ship-log-json.gguf');
    expect(by.ollama).toContain('ollama create ship-log-json -f Modelfile');
    expect(by.transformers).toContain('PeftModel.from_pretrained(model, "./ship-log-json")');
    const pinned = useWithCommands({ name: 'a', baseModel: 'Qwen/Qwen3-0.6B@v2', rank: 8 });
    expect(pinned[0].code).toContain('from_pretrained("Qwen/Qwen3-0.6B", revision="v2")');
    expect(pinned[1].code).toContain('vllm serve Qwen/Qwen3-0.6B --revision v2 --enable-lora');
    expect(useWithCommands({ name: 'a', baseModel: 'HuggingFaceTB/SmolLM2-135M@main', rank: 8 })[1].code).toMatch(
      /^vllm serve HuggingFaceTB\/SmolLM2-135M --enable-lora/,
    );
  });
});
