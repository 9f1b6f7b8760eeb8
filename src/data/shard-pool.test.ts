// The pooled pass (runShards over prepareShard, then mergeShards) gives exactly the single-worker result on the
// shipped sample datasets with the real Qwen3 tokenizer: same split, shuffle, stats, bytes and located problems.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test-utils/model-fixtures.node.js';
import { toCompact } from './compact';
import { mergeShards, shardsAgree } from './merge';
import { prepareDataset } from './prepare';
import { prepareShard } from './shard';
import { compactShard, expandShard, positionTracker, prepareDatasetPooled } from './prepare-pooled';
import { compactShardTransferables, runShards, type PoolProgress } from './shard-pool';
import { chatRecordsWithContextOnly, jsonl, qwen3Tokenizer } from './test-inputs.node.js';
import type { DatasetInput, PreparedDataset, PrepareOptions } from './types';

const SAMPLES = ['melville.jsonl', 'sotu.jsonl', 'ship-log-json.jsonl', 'ship-log-chat.jsonl'];
const sample = (name: string): DatasetInput => {
  const bytes = new Uint8Array(readFileSync(path.join(REPO_ROOT, 'public', 'datasets', name)));
  return { name, blob: new Blob([bytes]) };
};
/** The studio's defaults (app/store/data-slice.ts). */
const STUDIO: PrepareOptions = { policy: 'fail', maxSeqLen: 256, evalSplit: 0.1, completionOnly: true };

/** Equal, and the stored bytes (compact splits) equal too. */
function expectSame(pooled: PreparedDataset, single: PreparedDataset, what: string): void {
  expect(pooled, what).toEqual(single);
  for (const split of ['train', 'eval'] as const) {
    const [a, b] = [toCompact(pooled[split]), toCompact(single[split])];
    expect(Buffer.from(a.ids.buffer).equals(Buffer.from(b.ids.buffer)), `${what} ${split} ids`).toBe(true);
    expect(Buffer.from(a.lossMask.buffer).equals(Buffer.from(b.lossMask.buffer)), `${what} ${split} loss`).toBe(true);
  }
}

const tok = qwen3Tokenizer();

describe('pooled tokenizing equals one worker', () => {
  it('on the four shipped sample datasets at once (3 shards, through the wire form)', async () => {
    const inputs = SAMPLES.map(sample);
    const single = await prepareDataset(inputs, tok, STUDIO);
    expect(single.ok).toBe(true);
    expect(single.stats.records).toBe(1755 + 1489 + 1500 + 800);
    // As the studio does it: each shard flattened, transferred, expanded, and merged out of order.
    const progress: PoolProgress[] = [];
    const shards = await runShards(
      3,
      async (spec, h) => {
        const shard = await prepareShard(inputs, tok, STUDIO, spec, {
          signal: h.signal,
          onProgress: positionTracker(inputs, h.onPosition),
        });
        const wire = compactShard(shard);
        return expandShard(structuredClone(wire, { transfer: compactShardTransferables(wire) }));
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(shardsAgree(shards, STUDIO)).toBe(true);
    expectSame(mergeShards([...shards].reverse(), STUDIO), single, '3 shards');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.shards === 3)).toBe(true);
  });

  it('with bad lines: the same problems at the same FILE:LINE, under fail and skip (4 shards)', async () => {
    const lines = readFileSync(path.join(REPO_ROOT, 'public', 'datasets', 'ship-log-json.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    lines[6] = '{"prompt": "unterminated';
    lines[299] = '{"prompt": "no completion"}';
    lines[1199] = 'plain words';
    const bad: DatasetInput = { name: 'ship-log-bad.jsonl', blob: new Blob([lines.join('\n') + '\n']) };
    for (const policy of ['fail', 'skip'] as const) {
      const opts = { ...STUDIO, policy };
      const single = await prepareDataset([bad], tok, opts);
      expect(single.problems.map((p) => `${p.file}:${p.line}`)).toEqual([
        'ship-log-bad.jsonl:7',
        'ship-log-bad.jsonl:300',
        'ship-log-bad.jsonl:1200',
      ]);
      expectSame(await prepareDatasetPooled([bad], tok, opts, 4), single, policy);
    }
  });

  it('chat records and a model without a chat template: one problem per file, as one pass reports it', async () => {
    const plain = qwen3Tokenizer(false);
    const inputs = [sample('ship-log-chat.jsonl')];
    for (const policy of ['fail', 'skip'] as const) {
      const single = await prepareDataset(inputs, plain, { ...STUDIO, policy });
      expect(single.problems).toHaveLength(1);
      expectSame(await prepareDatasetPooled(inputs, plain, { ...STUDIO, policy }, 3), single, policy);
    }
  });

  it("a render problem under 'fail': shards disagree, and the pooled pass still gives one pass's figures", async () => {
    const records = chatRecordsWithContextOnly(24, 4);
    const inputs: DatasetInput[] = [{ name: 'c.jsonl', bytes: new TextEncoder().encode(jsonl(records)) }];
    const shards = await Promise.all([0, 1, 2].map((index) => prepareShard(inputs, tok, STUDIO, { index, count: 3 })));
    expect(shardsAgree(shards, STUDIO)).toBe(false);
    const single = await prepareDataset(inputs, tok, STUDIO);
    expect(single.problems.map((p) => p.line)).toEqual([5]);
    expectSame(await prepareDatasetPooled(inputs, tok, STUDIO, 3), single, 'render problem');
  });
});

describe('runShards', () => {
  it('reports the slowest shard, never going back', async () => {
    const seen: number[] = [];
    await runShards(
      3,
      async (spec, h) => {
        for (let d = 1; d <= 5; d++) {
          await new Promise((r) => setTimeout(r, spec.index));
          h.onPosition({ done: d * 10 * (spec.index + 1), total: 150, detail: 'f' });
        }
        return spec.index;
      },
      { onProgress: (p) => seen.push(p.done) },
    );
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBe(50);
  });

  it('one failing shard stops the others and the pool rejects with its error', async () => {
    const stopped: number[] = [];
    const run = runShards(4, (spec, h) => {
      if (spec.index === 2) return Promise.reject(new Error('shard 2 broke'));
      return new Promise((_, reject) =>
        h.signal.addEventListener('abort', () => (stopped.push(spec.index), reject(new Error('aborted')))),
      );
    });
    await expect(run).rejects.toThrow('shard 2 broke');
    expect(stopped.sort()).toEqual([0, 1, 3]);
  });

  it("the caller's cancel stops every shard of a real pass", async () => {
    const controller = new AbortController();
    const inputs = [sample('melville.jsonl')];
    const run = prepareDatasetPooled(inputs, tok, STUDIO, 3, {
      signal: controller.signal,
      onProgress: (p) => p.done > 0 && controller.abort(new Error('user cancelled')),
    });
    await expect(run).rejects.toThrow('user cancelled');
  });
});
