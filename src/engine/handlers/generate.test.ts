// Generation and the adapter library through the real protocol (client ⇄ MessageChannel ⇄ engine) on wasm and
// fake-indexeddb: base vs adapter with one seed, the live mix, export → zip → import, duplicate, merges.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeft } from '../../lora/peft';
import { readSafetensorsHeader } from '../../formats/safetensors';
import { unzipFiles } from '../../formats/zip';
import { type LinearSpec } from '../../lora/config';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import { LoraAdapter, type LoraModuleWeights } from '../../lora/lora-adapter';
import { parseModelConfig } from '../../model/config';
import type { EngineClient } from '../../protocol/client';
import type { GenerateParams } from '../../protocol/generate-types';
import { putAdapter, type StudioDb } from '../../storage';
import { fixtureFilesSource, modelFixtureDir } from '../../test-utils/model-fixtures.node.js';
import { configLinearSpecs } from '../../test-utils/linear-specs';
import { Rng } from '../../util/rng';
import { channelEngine } from '../../test-utils/channel-engine.node.js';

const DIR = modelFixtureDir('llama-tied');
const { files } = fixtureFilesSource('llama-tied');
const config = parseModelConfig(JSON.parse(readFileSync(path.join(DIR, 'config.json'), 'utf8')));
const specs: LinearSpec[] = configLinearSpecs(config);

/** A rank-`rank` adapter with random A and B (B non-zero, so it changes the output), saved as `id`. */
async function saveRandomAdapter(db: StudioDb, id: string, rank: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const weights = new Map<string, LoraModuleWeights>();
  const rand = (n: number) => Float32Array.from({ length: n }, () => (rng.nextFloat() * 2 - 1) * 0.5);
  for (const s of specs) weights.set(s.path, { loraA: rand(rank * s.inFeatures), loraB: rand(s.outFeatures * rank) });
  const adapter = LoraAdapter.fromWeights(
    { ...DEFAULT_LORA_CONFIG, rank, alpha: 2 * rank, dropout: 0 },
    specs,
    weights,
  );
  const peft = await exportPeft(adapter, { baseModel: 'local:tiny' });
  adapter.dispose();
  const cfg = JSON.parse(new TextDecoder().decode(peft[ADAPTER_CONFIG_FILE])) as Record<string, unknown>;
  await putAdapter(
    db,
    {
      id,
      name: `adapter ${id}`,
      baseModel: 'local:tiny',
      rank,
      alpha: 2 * rank,
      targets: cfg.target_modules as string[],
      dataset: null,
      finalLoss: null,
      runId: null,
      config: cfg,
    },
    peft[ADAPTER_WEIGHTS_FILE],
  );
}

let client: EngineClient;
let db: StudioDb;
const ask = (use: 'base' | 'adapters', seed = 7): GenerateParams => ({
  prompt: 'hello',
  maxNewTokens: 12,
  seed,
  use,
  sampling: { temperature: 0.8, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 },
});

beforeAll(async () => {
  ({ client, db } = await channelEngine('engine-generate'));
  await client.request('loadModel', { source: { kind: 'files', name: 'tiny', files }, quant: 'f32' });
  await saveRandomAdapter(db, 'a', 4, 1);
  await saveRandomAdapter(db, 'b', 2, 2);
});
afterAll(() => client.dispose());

describe('generate', () => {
  it('streams as an AsyncIterable too: the tokens read with for-await through the worker client join to the result', async () => {
    const tokens = client.stream('generate', ask('base', 11));
    const pieces: string[] = [];
    for await (const token of tokens) pieces.push(token.text);
    const result = await tokens.result;
    expect(result.newTokens).toBeGreaterThan(0);
    expect(pieces.join('')).toBe(result.text);
    // The same seed through the callback form gives the same text: the stream is the callback's events.
    expect((await client.request('generate', ask('base', 11))).text).toBe(result.text);
  });

  it('streams tokens; one seed gives one text; the adapter mix changes it and applies live', async () => {
    const pieces: string[] = [];
    const base = await client.request('generate', ask('base'), {
      onEvent: (e) => e.kind === 'token' && pieces.push(e.text),
    });
    expect(pieces.join('')).toBe(base.text);
    expect(base.newTokens).toBeGreaterThan(0);
    expect((await client.request('generate', ask('base'))).text).toBe(base.text);
    expect(await client.request('setActiveAdapters', { adapters: [{ id: 'a', weight: 1 }] })).toEqual([
      { id: 'a', weight: 1 },
    ]);
    const tuned = await client.request('generate', ask('adapters'));
    expect(tuned.adapters).toEqual([{ id: 'a', weight: 1 }]);
    expect(tuned.text).not.toBe(base.text);
    await client.request('setActiveAdapters', { adapters: [{ id: 'a', weight: 0 }] });
    expect((await client.request('generate', ask('adapters'))).text).toBe(base.text);
    await client.request('setActiveAdapters', { adapters: [] });
  });
});

describe('adapter library', () => {
  it('exports the two PEFT files and a zip that imports back; duplicates', async () => {
    const out = await client.request('exportAdapter', { id: 'a' });
    expect(out.folder).toBe('adapter-a');
    expect(JSON.parse(new TextDecoder().decode(out.config))).toMatchObject({ peft_type: 'LORA', r: 4 });
    const zipped = unzipFiles(new Uint8Array(out.zip));
    const header = await readSafetensorsHeader(zipped, ADAPTER_WEIGHTS_FILE);
    expect(header.tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')?.shape).toEqual([
      4,
      config.hidden,
    ]);
    const imported = await client.request('importAdapter', {
      files: [{ name: 'adapter-a.zip', blob: new Blob([out.zip]) }],
    });
    expect(imported).toMatchObject({ name: 'adapter-a', rank: 4, baseModel: 'local:tiny' });
    const copy = await client.request('duplicateAdapter', { id: 'a' });
    expect(copy.name).toBe('adapter a (copy)');
    expect(copy.sizeBytes).toBe((await client.request('listAdapters', {})).find((r) => r.id === 'a')!.sizeBytes);
  });

  it('merges by concat (rank adds up) and by weighted SVD (chosen rank)', async () => {
    const cat = await client.request('mergeAdapters', {
      inputs: [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 0.5 },
      ],
      method: 'cat',
      name: 'cat',
    });
    expect(cat.rank).toBe(6);
    const svd = await client.request('mergeAdapters', {
      inputs: [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 1 },
      ],
      method: 'svd',
      rank: 3,
      name: 'svd',
    });
    expect(svd.rank).toBe(3);
    expect(svd.config).toMatchObject({ r: 3 });
  });

  it('refuses an adapter that does not fit the loaded base, saying why', async () => {
    const bad = new Blob([JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj'] })]);
    const err = await client
      .request('importAdapter', { files: [{ name: 'adapter_config.json', blob: bad }] })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/adapter_model\.safetensors is missing/);
  });
});

describe('stopGeneration', () => {
  it('ends a running generation, which answers with what it wrote', async () => {
    let tokens = 0;
    const running = client.request(
      'generate',
      { ...ask('base'), maxNewTokens: 200 },
      {
        onEvent: (e) => {
          if (e.kind === 'token' && ++tokens === 3) void client.request('stopGeneration', {});
        },
      },
    );
    const r = await running;
    expect(r.finishReason).toBe('aborted');
    expect(r.newTokens).toBeLessThan(200);
  });
});
