import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../scripts/hub-server';
import { initNodeBackend } from '../backend/node';
import { loadModel } from '../model/load';
import { loadTokenizer } from '../tokenizer/load';
import { deleteCachedModel, listCachedModels, type HubCache } from './cache';
import {
  HubAccessError,
  HubNetworkError,
  HubNoSafetensorsError,
  HubRepoNotFoundError,
  HubRevisionNotFoundError,
  HubStorageError,
  HubUnsupportedArchitectureError,
} from '../spec/hub-errors';
import { folderHubCache } from './folder-cache.node.js';
import { loadFromHub, openCachedModel, parseRepoInput, type HubProgress } from './hub-loader';
import { memoryHubCache } from './memory-cache';

const ROOT = path.resolve(__dirname, '../..');
const SHARDED = path.join(ROOT, 'fixtures/models/llama-sharded');
const DEMO_TOKENIZER = path.join(ROOT, 'public/models/lorastudio-demo');
const SHARD1 = 'model-00001-of-00002.safetensors';

let tmp: string;
let server: HubServer;

/** Writes the repos the fake hub serves: a sharded llama with tokenizer files, and broken variants. */
function writeRepos(): Record<string, string> {
  const llama = path.join(tmp, 'repos/llama');
  cpSync(SHARDED, llama, { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json'])
    cpSync(path.join(DEMO_TOKENIZER, f), path.join(llama, f));
  mkdirSync(path.join(llama, 'onnx'));
  writeFileSync(path.join(llama, 'onnx/model.onnx'), 'not downloaded');
  writeFileSync(path.join(llama, 'README.md'), '# not downloaded');
  const bin = path.join(tmp, 'repos/bin-only');
  mkdirSync(bin, { recursive: true });
  cpSync(path.join(SHARDED, 'config.json'), path.join(bin, 'config.json'));
  writeFileSync(path.join(bin, 'pytorch_model.bin'), new Uint8Array(1000));
  const gpt2 = path.join(tmp, 'repos/gpt2');
  mkdirSync(gpt2, { recursive: true });
  writeFileSync(
    path.join(gpt2, 'config.json'),
    JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }),
  );
  writeFileSync(path.join(gpt2, 'model.safetensors'), new Uint8Array(50_000));
  return { llama, bin, gpt2 };
}

beforeAll(async () => {
  await initNodeBackend('cpu');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hub-test-'));
  const dirs = writeRepos();
  server = await startHubServer({
    repos: {
      'test/llama': { dir: dirs.llama, revisions: ['main', 'v1'] },
      'test/gated': { dir: dirs.llama, gated: true },
      'test/private': { dir: dirs.llama, private: true },
      'test/bin-only': { dir: dirs.bin },
      'test/gpt2': { dir: dirs.gpt2 },
    },
  });
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  server.requests.length = 0;
});

const resolveRequests = (file: string) => server.requests.filter((r) => r.url.endsWith(`/${file}`));

describe('hub loader against a local hub', () => {
  it('downloads config, tokenizer and sharded safetensors with progress; the model and tokenizer load', async () => {
    const cache = memoryHubCache();
    const events: HubProgress[] = [];
    const hub = await loadFromHub({ repo: 'test/llama', hubUrl: server.url, cache, onProgress: (p) => events.push(p) });
    expect(hub.fromCache).toBe(false);
    expect((await hub.files.list()).sort()).toEqual([
      'config.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(server.requests.some((r) => r.url.includes('onnx') || r.url.includes('README'))).toBe(false);
    // config.json is fetched (and checked) before any weight
    const order = server.requests.filter((r) => r.url.includes('/resolve/')).map((r) => path.basename(r.url));
    expect(order.indexOf('config.json')).toBeLessThan(order.indexOf(SHARD1));
    const last = events[events.length - 1];
    expect(last.stage).toBe('done');
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(events.some((e) => e.stage === 'downloading' && e.file === SHARD1)).toBe(true);
    const model = await loadModel(hub.files);
    expect(model.config.layers).toBeGreaterThan(0);
    model.dispose();
    expect((await loadTokenizer(hub.files)).vocabSize).toBe(4096);
  });

  it('resumes an interrupted download with a Range request for the remainder only', async () => {
    const cache = folderHubCache(path.join(tmp, 'cache-resume'));
    const shardSize = (await import('node:fs')).statSync(path.join(SHARDED, SHARD1)).size;
    server.dropNext(SHARD1, 20_000);
    const err = await loadFromHub({ repo: 'test/llama', hubUrl: server.url, cache }).catch((e) => e);
    expect(err).toBeInstanceOf(HubNetworkError);
    expect(err.resumable).toBe(true);
    expect(err.file).toBe(SHARD1);
    expect(err.bytesDone).toBe(20_000);
    expect(err.message).toMatch(/load again to resume/);
    expect((await listCachedModels(cache))[0]).toMatchObject({ repo: 'test/llama', complete: false });

    server.requests.length = 0;
    const hub = await loadFromHub({ repo: 'test/llama', hubUrl: server.url, cache });
    const again = resolveRequests(SHARD1);
    expect(again).toHaveLength(1);
    expect(again[0].range).toBe('bytes=20000-');
    expect(again[0].status).toBe(206);
    expect(again[0].bytesSent).toBe(shardSize - 20_000);
    expect(resolveRequests('config.json')).toHaveLength(0); // already complete: not requested again
    const model = await loadModel(hub.files); // the stitched file parses and validates
    model.dispose();
  });

  it('reloads from the cache with the server unreachable, and the cache manager frees it', async () => {
    const cache = folderHubCache(path.join(tmp, 'cache-offline'));
    await loadFromHub({ repo: 'test/llama', hubUrl: server.url, cache });
    const dead = 'http://127.0.0.1:9'; // nothing listens there
    const hub = await loadFromHub({ repo: 'test/llama', hubUrl: dead, cache });
    expect(hub.fromCache).toBe(true);
    expect(hub.fetchedBytes).toBe(0);
    (await loadModel(hub.files)).dispose();
    const [entry] = await listCachedModels(cache);
    expect(entry).toMatchObject({ repo: 'test/llama', revision: 'main', complete: true });
    expect(entry.storedBytes).toBe(entry.totalBytes);
    await deleteCachedModel(cache, 'test/llama', 'main');
    expect(await listCachedModels(cache)).toEqual([]);
    expect(await openCachedModel(cache, 'test/llama')).toBeNull();
    await expect(loadFromHub({ repo: 'test/llama', hubUrl: dead, cache })).rejects.toBeInstanceOf(HubNetworkError);
  });

  it('cancels through an AbortSignal and keeps the partial file', async () => {
    const cache = memoryHubCache();
    const ctrl = new AbortController();
    const p = loadFromHub({
      repo: 'test/llama',
      hubUrl: server.url,
      cache,
      signal: ctrl.signal,
      onProgress: (e) => {
        if (e.file === SHARD1) ctrl.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    const hub = await loadFromHub({ repo: 'test/llama', hubUrl: server.url, cache });
    expect(hub.manifest.complete).toBe(true);
  });
});

describe('hub loader errors', () => {
  const load = (repo: string, extra: { token?: string; revision?: string; cache?: HubCache } = {}) =>
    loadFromHub({ repo, hubUrl: server.url, cache: extra.cache ?? memoryHubCache(), ...extra }).catch((e) => e);

  it('repo not found', async () => {
    const e = await load('test/nope');
    expect(e).toBeInstanceOf(HubRepoNotFoundError);
    expect(e.message).toMatch(/test\/nope: repository not found.*access token/);
  });

  it('revision not found; a known revision loads', async () => {
    expect(await load('test/llama', { revision: 'v9' })).toBeInstanceOf(HubRevisionNotFoundError);
    const hub = await loadFromHub({ repo: 'test/llama', revision: 'v1', hubUrl: server.url, cache: memoryHubCache() });
    expect(hub.manifest.revision).toBe('v1');
  });

  it('gated: no token, wrong token, then the right one (sent as a Bearer header)', async () => {
    const none = await load('test/gated');
    expect(none).toBeInstanceOf(HubAccessError);
    expect(none.gated).toBe(true);
    expect(none.message).toMatch(/gated: accept its terms/);
    const wrong = await load('test/gated', { token: 'hf_wrong' });
    expect(wrong).toBeInstanceOf(HubAccessError);
    expect(wrong.status).toBe(403);
    const ok = await load('test/gated', { token: 'hf_test_token' });
    expect(ok.manifest.complete).toBe(true);
    expect(server.requests.filter((r) => r.authorization === 'Bearer hf_test_token').length).toBeGreaterThan(3);
  });

  it('private repo without a token reads as not found, with a hint', async () => {
    const e = await load('test/private');
    expect(e).toBeInstanceOf(HubRepoNotFoundError);
    expect((await load('test/private', { token: 'hf_test_token' })).manifest.complete).toBe(true);
  });

  it('no safetensors names what the repo has instead', async () => {
    const e = await load('test/bin-only');
    expect(e).toBeInstanceOf(HubNoSafetensorsError);
    expect(e.message).toMatch(/no \.safetensors weights \(found pytorch_model\.bin/);
  });

  it('unsupported architecture fails from config.json before any weight is requested', async () => {
    const e = await load('test/gpt2');
    expect(e).toBeInstanceOf(HubUnsupportedArchitectureError);
    expect(e.message).toMatch(/gpt2/);
    expect(resolveRequests('model.safetensors')).toHaveLength(0);
  });

  it('not enough storage is reported before the weights are fetched', async () => {
    const e = await load('test/llama', { cache: memoryHubCache(100_000) });
    expect(e).toBeInstanceOf(HubStorageError);
    expect(e.message).toMatch(/not enough storage/);
    expect(resolveRequests(SHARD1)).toHaveLength(0);
  });

  it('parses repo ids and hub URLs', () => {
    expect(parseRepoInput('https://huggingface.co/HuggingFaceTB/SmolLM2-135M/tree/v2')).toEqual({
      repo: 'HuggingFaceTB/SmolLM2-135M',
      revision: 'v2',
    });
    expect(parseRepoInput(' Qwen/Qwen3-0.6B ')).toEqual({ repo: 'Qwen/Qwen3-0.6B', revision: null });
    expect(() => parseRepoInput('not a repo/../x')).toThrow(/not a model id/);
  });
});
