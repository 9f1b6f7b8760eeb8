/**
 * Speed of pooled tokenizing on this machine: `npx tsx scripts/data-pool-speed.node.ts [workers...] [--mb N]`.
 *
 * The studio's pool in Node: N worker processes (the browser's data workers), each loading the Qwen3 tokenizer
 * (151k BPE with a chat template) and running `prepareShard` on the shipped sample datasets (public/datasets, all
 * four; repeated to --mb megabytes), their compact shards transferred back and merged. Prints wall time (tokenizer
 * load included, as in the studio), tokens/s and the speed-up over one worker, and checks every merged result
 * equals the one-worker result. Default: 1 2 4 workers. First it times the parts of one pass in this process
 * (tokenizer load and read+validate, which every worker repeats; tokenizing, which the pool divides; the merge) and
 * prints the speed-up those parts allow where cores are free.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { mergeShards } from '../src/data/merge';
import { compactShard, expandShard } from '../src/data/prepare-pooled';
import { prepareShard, type ShardSpec } from '../src/data/shard';
import { runShards, type CompactShard } from '../src/data/shard-pool';
import { qwen3Tokenizer } from '../src/data/test-inputs.node.js';
import type { DatasetInput, PreparedDataset, PrepareOptions } from '../src/data/types';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLES = ['melville.jsonl', 'sotu.jsonl', 'ship-log-json.jsonl', 'ship-log-chat.jsonl'];
/** The studio's defaults. */
const OPTIONS: PrepareOptions = { policy: 'fail', maxSeqLen: 256, evalSplit: 0.1, completionOnly: true };

/** The samples, each repeated until the whole is about `mb` megabytes (as separate files, like a multi-drop). */
function inputs(mb: number): DatasetInput[] {
  const files = SAMPLES.map((name) => ({
    name,
    bytes: new Uint8Array(readFileSync(path.join(ROOT, 'public', 'datasets', name))),
  }));
  const once = files.reduce((s, f) => s + f.bytes.byteLength, 0);
  const copies = Math.max(1, Math.round((mb * 1e6) / once));
  return Array.from({ length: copies }, (_, c) =>
    files.map((f) => ({ name: `${c}-${f.name}`, bytes: f.bytes })),
  ).flat();
}

interface Job {
  spec: ShardSpec;
  mb: number;
}

async function workerMain(job: Job): Promise<void> {
  const shard = compactShard(await prepareShard(inputs(job.mb), qwen3Tokenizer(), OPTIONS, job.spec));
  process.send!(shard, () => process.disconnect?.());
}

function runWorker(job: Job, signal: AbortSignal): Promise<CompactShard> {
  return new Promise((resolve, reject) => {
    // A process per worker (tsx's loader does not reach worker threads); structured clone over IPC, like postMessage.
    const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(job)], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
    });
    signal.addEventListener('abort', () => child.kill(), { once: true });
    child.once('message', (shard) => resolve(shard as CompactShard));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) without a shard`)));
  });
}

async function pooled(count: number, mb: number): Promise<{ ms: number; result: PreparedDataset }> {
  const t0 = performance.now();
  const shards = await runShards(count, (spec, h) => runWorker({ spec, mb }, h.signal));
  const result = mergeShards(shards.map(expandShard), OPTIONS);
  return { ms: performance.now() - t0, result };
}

/**
 * What every worker repeats (loading the tokenizer, reading and validating every file) against what the pool
 * divides (tokenizing), measured in this process: the speed-up a machine with free cores can reach.
 */
async function costs(mb: number): Promise<void> {
  const time = async <T>(f: () => Promise<T> | T): Promise<[number, T]> => {
    const t0 = performance.now();
    const v = await f();
    return [performance.now() - t0, v];
  };
  const [load, tok] = await time(() => qwen3Tokenizer());
  const [read] = await time(() => prepareShard(inputs(mb), null, OPTIONS));
  const [whole, shard] = await time(() => prepareShard(inputs(mb), tok, OPTIONS));
  const [merge] = await time(() => mergeShards([shard], OPTIONS));
  const fixed = load + read;
  const divided = whole - read;
  const at = (n: number) => (load + whole + merge) / (fixed + divided / n + merge);
  console.log(
    `one pass: tokenizer load ${load.toFixed(0)} ms, read+validate ${read.toFixed(0)} ms, tokenize ${divided.toFixed(0)} ms, merge ${merge.toFixed(0)} ms ` +
      `-> with free cores: ${[2, 3, 4].map((n) => `${n} workers ${at(n).toFixed(2)}×`).join(', ')} (Amdahl, from these parts)`,
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mbAt = args.indexOf('--mb');
  const mb = mbAt >= 0 ? Number(args[mbAt + 1]) : 2.6;
  const counts = args.filter((_, i) => mbAt < 0 || (i !== mbAt && i !== mbAt + 1)).map(Number);
  const runs = counts.length ? counts : [1, 2, 4];
  await costs(mb);
  let base: { ms: number; result: PreparedDataset } | null = null;
  console.log(
    `${inputs(mb).length} files, ${mb} MB, Qwen3 tokenizer; machine: ${(await import('node:os')).availableParallelism()} cores`,
  );
  for (const count of runs) {
    const run = await pooled(count, mb);
    base ??= run;
    const tokens = run.result.stats.totalTokens;
    const same = isDeepStrictEqual(run.result, base.result);
    console.log(
      `${count} worker${count > 1 ? 's' : ' '}: ${(run.ms / 1000).toFixed(1)} s, ${Math.round(tokens / (run.ms / 1000)).toLocaleString('en-US')} tokens/s, ` +
        `speed-up ${(base.ms / run.ms).toFixed(2)}×, same result as 1 worker: ${same}`,
    );
    if (!same) process.exitCode = 1;
  }
}

if (process.send) await workerMain(JSON.parse(process.argv[2]) as Job);
else await main();
