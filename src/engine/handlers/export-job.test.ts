// `exportJob` through the real protocol (client ⇄ MessageChannel ⇄ LocalEngine) on wasm + fake-indexeddb: the job
// zip of a studio run holds the stored dataset exactly as the studio tokenized, masked and split it.
import 'fake-indexeddb/auto';
import { strFromU8, unzipSync } from 'fflate';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import type { EngineClient } from '../../protocol/client';
import { channelEngine, servedClient } from '../../test-utils/channel-engine.node.js';
import { InvalidRequestError } from '../../spec/errors';
import type { TrainRunSpec } from '../../spec/run-spec';
import { putRun, type StudioDb } from '../../storage';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { folderFiles } from '../../model/folder-files.node.js';
import { fixtureFilesSource, REPO_ROOT } from '../../test-utils/model-fixtures.node.js';
import { loadTokenizer } from '../../tokenizer/load';
import { DEFAULT_TRAIN_CONFIG } from '../../spec/train-config';
import { trainingData } from '../train/train-inputs';

// The demo model: a byte-level BPE tokenizer (like Llama 3, Qwen, SmolLM), so decoded text re-tokenizes exactly.
const DEMO = path.join(REPO_ROOT, 'public/models/lorastudio-demo');
const source = {
  kind: 'files' as const,
  name: 'demo',
  files: readdirSync(DEMO)
    .filter((n) => !n.endsWith('.md'))
    .map((n) => ({ name: n, blob: new Blob([readFileSync(path.join(DEMO, n))]) })),
};
const LINES = Array.from({ length: 16 }, (_, i) =>
  JSON.stringify({ prompt: `Q${i}: name a whale`, completion: ` Moby ${i}` }),
);
const jsonl = { name: 'whales.jsonl', blob: new Blob([LINES.join('\n') + '\n']) };

let client: EngineClient;
let db: StudioDb;
let modelId = '';

const spec = (datasetId: string): TrainRunSpec => ({
  name: 'whales',
  datasetId,
  lora: { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8 },
  train: { ...DEFAULT_TRAIN_CONFIG, steps: 30, lr: 1e-3, batchSize: 2, maxSeqLen: 64, seed: 1 },
  samples: { prompts: [], every: 0, maxNewTokens: 4, temperature: 0, seed: 0 },
});

async function prepare(name: string, options: Record<string, unknown>): Promise<string> {
  const r = await client.request('prepareData', {
    name,
    files: [jsonl],
    tokenizer: source,
    tokenizerId: modelId,
    options: { evalSplit: 0.25, seed: 1, ...options },
  });
  return r.datasetId!;
}

const files = (zip: ArrayBuffer, runId: string) => {
  const all = unzipSync(new Uint8Array(zip));
  return (name: string) => strFromU8(all[`job-${runId}/${name}`]);
};
const records = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { segments: { label: boolean; text: string }[] });

beforeAll(async () => {
  ({ client, db } = await channelEngine('engine-export-job'));
  modelId = (await client.request('loadModel', { source, quant: 'int8' })).id;
}, 60_000);
afterAll(() => client.dispose());

describe('exportJob', () => {
  it("from the Train form: the studio's split, and segments that tokenize back to exactly the stored ids and loss mask", async () => {
    const datasetId = await prepare('whales', {});
    const r = await client.request('exportJob', { spec: spec(datasetId), modelId: 'HuggingFaceTB/SmolLM2-135M' });
    // One warning only (int8 rounding): no example is lost in the round trip.
    expect(r).toMatchObject({
      modelId: 'HuggingFaceTB/SmolLM2-135M',
      trainRecords: 12,
      evalRecords: 4,
      warnings: [expect.stringMatching(/int8/)],
    });
    expect(r.fileName).toBe(`job-${r.runId}.zip`);
    const read = files(r.zip, r.runId);
    const yaml = load(read('axolotl.yaml'), { schema: YAML11_SCHEMA }) as Record<string, unknown>;
    expect(yaml).toMatchObject({
      base_model: 'HuggingFaceTB/SmolLM2-135M',
      adapter: 'lora',
      load_in_8bit: true,
      lora_r: 4,
      max_steps: 30,
      micro_batch_size: 2,
      sequence_len: 64,
      output_dir: `./outputs/${r.runId}`,
    });
    expect((yaml.datasets as { type: string }[])[0].type).toBe('input_output');
    const tok = await loadTokenizer(folderFiles(DEMO));
    const stored = await trainingData(db, datasetId, modelId);
    for (const [split, examples] of [
      ['data/train.jsonl', stored.train],
      ['data/eval.jsonl', stored.eval],
    ] as const) {
      const got = records(read(split));
      expect(got).toHaveLength(examples.length);
      got.forEach((rec, i) => {
        // axolotl's input_output tokenizes each segment without special tokens and labels it as a whole.
        const ids = rec.segments.flatMap((s) => tok.encode(s.text, { addSpecialTokens: false }));
        const mask = rec.segments.flatMap((s) =>
          tok.encode(s.text, { addSpecialTokens: false }).map(() => (s.label ? 1 : 0)),
        );
        expect(ids).toEqual([...examples[i].ids]);
        expect(mask).toEqual([...examples[i].lossMask]);
      });
    }
  });

  it('a packed dataset is split back into its examples', async () => {
    const datasetId = await prepare('whales packed', { pack: true, evalSplit: 0 });
    const r = await client.request('exportJob', {
      spec: { ...spec(datasetId), train: { ...spec(datasetId).train, maxSeqLen: 64 } },
    });
    expect(r.trainRecords).toBe(16);
    const texts = records(files(r.zip, r.runId)('data/train.jsonl')).map((x) => x.segments.map((s) => s.text).join(''));
    // Each record is one example in the chat template, none runs into the next.
    for (const t of texts)
      expect(t).toMatch(
        /^<\|im_start\|>user\nQ(\d+): name a whale<\|im_end\|>\n<\|im_start\|>assistant\n Moby \1<\|im_end\|>\n$/,
      );
  });

  it('from a stored run: its id names the job; without a hub id the job carries the placeholder and says so', async () => {
    const datasetId = await prepare('whales run', {});
    await putRun(db, {
      id: 'run-kept',
      name: 'whales',
      createdAt: 1,
      updatedAt: 1,
      status: 'completed',
      config: { spec: spec(datasetId) },
      baseModel: modelId,
      datasetId,
      adapterId: null,
      metrics: [],
      error: null,
    });
    const r = await client.request('exportJob', { runId: 'run-kept' });
    expect(r.runId).toBe('run-kept');
    expect(r.modelId).toBeNull();
    expect(r.warnings.join('\n')).toMatch(/REPLACE_WITH_HF_MODEL_ID/);
    const read = files(r.zip, 'run-kept');
    expect(JSON.parse(read('lora-studio-run.json'))).toMatchObject({ runId: 'run-kept' });
    expect(read('launch.sh')).toContain("grep -q 'REPLACE_WITH_HF_MODEL_ID' axolotl.yaml");
  });

  it('a lossy tokenizer (<unk>) is named in a warning, with the count', async () => {
    const tiny = fixtureFilesSource('llama-tied');
    const other = servedClient(async () => db);
    try {
      await other.request('init', { preference: 'wasm' });
      const id = (await other.request('loadModel', { source: tiny, quant: 'f32' })).id;
      const prepared = await other.request('prepareData', {
        name: 'unk',
        files: [jsonl],
        tokenizer: tiny,
        tokenizerId: id,
        options: { evalSplit: 0 },
      });
      const r = await other.request('exportJob', { spec: spec(prepared.datasetId!) });
      expect(r.warnings.join('\n')).toMatch(/16 of 16 examples do not tokenize back to the same tokens/);
    } finally {
      other.dispose();
    }
  });

  it('refuses what it cannot export, with the reason', async () => {
    await expect(client.request('exportJob', {})).rejects.toThrow(/from a run, or from the Train form/);
    await expect(client.request('exportJob', { runId: 'nope' })).rejects.toThrow(/No training run with id 'nope'/);
    const datasetId = await prepare('whales bad', {});
    const err = await client.request('exportJob', { spec: spec(datasetId), modelId: '../x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toMatch(/not a Hugging Face id/);
    await expect(client.request('exportJob', { spec: spec(datasetId), method: 'dpo' })).rejects.toThrow(
      /needs preference pairs/,
    );
  });
});

describe('exportJob, preference runs', () => {
  it('a DPO run from the studio is refused with the CLI command that hands it over', async () => {
    const datasetId = await prepare('whales dpo', {});
    const dpo = { ...spec(datasetId), train: { ...spec(datasetId).train, method: 'dpo' as const } };
    await expect(client.request('exportJob', { spec: dpo })).rejects.toThrow(/export-job --method dpo/);
  });
});
