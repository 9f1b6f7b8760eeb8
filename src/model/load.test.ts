import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { encodeSafetensors } from '../formats/safetensors';
import { modelFixtureDir, modelFixtureFiles } from '../test-utils/model-fixtures.node.js';
import { tinyConfigJson, tinyCheckpointBytes, tinyModelFiles } from '../test-utils/tiny-model';
import { parseModelConfig } from './config';
import { countParameters, estimateModelBytes, estimateModelMemory } from './memory-estimate';
import type { LinearFactory } from './linear';
import { loadModel, type LoadProgress } from './load';
import { memoryFiles } from '../formats/memory-files';
import type { ModelFiles } from '../spec/model-files';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

/** Fixture files with some entries replaced or removed (null). */
function patched(dir: string, names: string[], replace: Record<string, Uint8Array | string | null>): ModelFiles {
  const entries: Record<string, Uint8Array | string> = {};
  for (const n of names) entries[n] = readFileSync(path.join(dir, n));
  for (const [n, v] of Object.entries(replace)) {
    if (v === null) delete entries[n];
    else entries[n] = v;
  }
  return memoryFiles(entries, dir);
}

describe('loadModel', () => {
  it('loads a sharded checkpoint with progress and reports sizes', async () => {
    const events: LoadProgress[] = [];
    const m = await loadModel(modelFixtureFiles('llama-sharded'), { onProgress: (p) => events.push(p) });
    const last = events[events.length - 1];
    expect(last.stage).toBe('done');
    expect(last.tensorsDone).toBe(last.tensorsTotal);
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(events.filter((e) => e.stage === 'weights').length).toBe(last.tensorsTotal);
    expect(m.parameterCount()).toBe(37024); // from the fixture script
    expect(m.byteSize()).toBe(37024 * 4);
    expect(m.linears().size).toBe(14);
    m.dispose();
  });

  it('passes every projection through the linear factory with its HF path and bias', async () => {
    const calls: string[] = [];
    let biases = 0;
    const { denseLinearFactory } = await import('./dense-linear');
    const factory: LinearFactory = (p, w, shape, bias) => {
      calls.push(p);
      if (bias) biases++;
      expect(w.length).toBe(shape[0] * shape[1]);
      return denseLinearFactory(p, w, shape, bias);
    };
    const m = await loadModel(modelFixtureFiles('qwen2'), { linearFactory: factory });
    expect(calls).toContain('model.layers.1.self_attn.k_proj');
    expect(calls.length).toBe(14);
    expect(biases).toBe(6); // q/k/v × 2 layers
    m.dispose();
  });

  it('cancels between tensors and frees what it created', async () => {
    const before = tf.memory().numTensors;
    const ctrl = new AbortController();
    const p = loadModel(tinyModelFiles('llama'), {
      signal: ctrl.signal,
      onProgress: (e) => {
        if (e.tensorsDone === 5) ctrl.abort();
      },
    });
    await expect(p).rejects.toThrow(/cancel|abort/i);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees what it created when a later tensor fails', async () => {
    const before = tf.memory().numTensors;
    let n = 0;
    const { denseLinearFactory } = await import('./dense-linear');
    const failing: LinearFactory = (...args) => {
      if (++n === 9) throw new Error('quantizer out of memory');
      return denseLinearFactory(...args);
    };
    await expect(loadModel(tinyModelFiles('qwen3'), { linearFactory: failing })).rejects.toThrow(
      'quantizer out of memory',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads BF16 tiny checkpoints built in memory', async () => {
    const m = await loadModel(tinyModelFiles('mistral', { dtype: 'BF16' }));
    const lp = await m.logProbs([1, 2, 3]);
    expect(lp[0]).toBeNull();
    expect(lp[2]).toBeLessThan(0);
    m.dispose();
  });
});

describe('loadModel bad inputs (clear errors naming the file)', () => {
  const dir = modelFixtureDir('llama-tied');
  const names = ['config.json', 'model.safetensors'];

  it('missing config.json', async () => {
    await expect(loadModel(patched(dir, names, { 'config.json': null }))).rejects.toThrow(
      `${dir}/config.json: missing`,
    );
  });

  it('unsupported architecture, before any weight is read', async () => {
    const files = patched(dir, names, {
      'config.json': JSON.stringify({ ...tinyConfigJson('llama'), model_type: 'gemma2' }),
    });
    const read = files.read;
    const touched: string[] = [];
    files.read = (n, s, e) => (touched.push(n), read(n, s, e));
    await expect(loadModel(files)).rejects.toThrow(
      'unsupported architecture gemma2; supported: llama, mistral, qwen2, qwen3',
    );
    expect(touched).toEqual(['config.json']);
  });

  it('truncated safetensors', async () => {
    const bytes = readFileSync(path.join(dir, 'model.safetensors'));
    const files = patched(dir, names, { 'model.safetensors': bytes.subarray(0, bytes.length - 100) });
    await expect(loadModel(files)).rejects.toThrow(
      /model\.safetensors: tensor '.*': data ends at byte \d+ but the file has/,
    );
  });

  it('header length larger than the file', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(dir, 'model.safetensors')));
    new DataView(bytes.buffer).setBigUint64(0, 10n ** 12n, true);
    await expect(loadModel(patched(dir, names, { 'model.safetensors': bytes }))).rejects.toThrow(
      /model\.safetensors: header length 1000000000000 is larger than the file/,
    );
  });

  it('shape mismatch between config and tensors', async () => {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const files = patched(dir, names, { 'config.json': JSON.stringify({ ...config, intermediate_size: 80 }) });
    await expect(loadModel(files)).rejects.toThrow(
      /model\.safetensors: tensor 'model\.layers\.0\.mlp\.gate_proj\.weight' has shape \[64,32\] but config\.json implies \[80,32\]/,
    );
  });

  it('dtype that cannot be a weight', async () => {
    const config = tinyConfigJson('llama');
    const good = tinyCheckpointBytes(config);
    // Re-label one tensor as I32 (same byte size): the loader must refuse it by name.
    const text = new TextDecoder().decode(
      good.subarray(8, 8 + Number(new DataView(good.buffer).getBigUint64(0, true))),
    );
    const header = text.replace(/"model\.norm\.weight":\{"dtype":"F32"/, '"model.norm.weight":{"dtype":"I32"');
    const bytes = new Uint8Array(good);
    bytes.set(new TextEncoder().encode(header), 8);
    const files = memoryFiles({ 'config.json': JSON.stringify(config), 'model.safetensors': bytes }, '/m/x');
    await expect(loadModel(files)).rejects.toThrow("/m/x/model.safetensors: tensor 'model.norm.weight' has dtype I32");
  });

  it('missing tensor (untied config, no lm_head)', async () => {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const files = patched(dir, names, { 'config.json': JSON.stringify({ ...config, tie_word_embeddings: false }) });
    await expect(loadModel(files)).rejects.toThrow(
      /tensor 'lm_head\.weight' not found in model\.safetensors \(config\.json says tie_word_embeddings is false\)/,
    );
  });

  it('missing shard', async () => {
    const sdir = modelFixtureDir('llama-sharded');
    const all = [
      'config.json',
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ];
    await expect(loadModel(patched(sdir, all, { 'model-00002-of-00002.safetensors': null }))).rejects.toThrow(
      `${sdir}/model-00002-of-00002.safetensors: missing shard (listed in model.safetensors.index.json)`,
    );
  });

  it('no weights at all', async () => {
    await expect(loadModel(patched(dir, names, { 'model.safetensors': null }))).rejects.toThrow(
      `${dir}: no model.safetensors or model.safetensors.index.json`,
    );
  });

  it('an empty safetensors file is not a hang or a crash', async () => {
    const files = patched(dir, names, { 'model.safetensors': encodeSafetensors([]) });
    await expect(loadModel(files)).rejects.toThrow(/num_hidden_layers 2 but the checkpoint has 0 layers/);
  });
});

describe('memory estimates', () => {
  it('counts parameters like the checkpoint and sizes packed modes', () => {
    const c = JSON.parse(readFileSync(path.join(modelFixtureDir('qwen3'), 'config.json'), 'utf8'));
    const config = parseModelConfig(c);
    expect(countParameters(config)).toBe(32992);
    const f32 = estimateModelBytes(config, 'f32');
    expect(f32).toBe(32992 * 4);
    const int4 = estimateModelMemory(config, 'int4');
    const int8 = estimateModelMemory(config, 'int8');
    expect(int4.floatBytes).toBe(int8.floatBytes);
    expect(int4.linearBytes).toBeLessThan(int8.linearBytes);
    expect(estimateModelBytes(config, 'nf4')).toBe(int4.total);
  });

  it('predicts the loaded byte size exactly for packed bases with biases (qwen2, int8, group 32)', async () => {
    const { createLinearFactory } = await import('./linear-factory');
    const model = await loadModel(modelFixtureFiles('qwen2'), {
      linearFactory: createLinearFactory('int8', { groupSize: 32 }),
    });
    expect(estimateModelBytes(model.config, 'int8', 32)).toBe(model.byteSize());
    model.dispose();
  });
});
