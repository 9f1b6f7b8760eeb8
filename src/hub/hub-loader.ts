/**
 * Repo id (+ revision) → a cached, loadable checkpoint. Order matters for the user: list files, fetch and check
 * config.json (unsupported architecture fails here, before a single weight byte), check the cache has room,
 * then download tokenizer files and safetensors (single or sharded) with progress, resuming partial files.
 * A complete download is recorded in a manifest, so the next load of the same repo@revision needs no network.
 */
import { listFiles } from '@huggingface/hub';
import { parseModelConfig, type ModelConfig } from '../model/config';
import type { ModelFiles } from '../spec/model-files';
import {
  cachedModelFiles,
  fileKey,
  readManifest,
  writeManifest,
  type HubCache,
  type HubManifest,
  type ManifestFile,
} from './cache';
import { downloadToCache } from './download-file';
import {
  HubError,
  HubNetworkError,
  HubNoSafetensorsError,
  HubResponseError,
  HubStorageError,
  HubUnsupportedArchitectureError,
  isAbortError,
} from '../spec/hub-errors';
import { checkResponse, errorFor, makeRequest, type HubRequest } from './http';
import { checkRepoId, checkRevision } from './names';
import { SpeedMeter } from './speed';
import { selectFiles, shardsFromIndex, SHARD_INDEX } from './select-files';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface HubLoadOptions {
  /** `owner/name` (a huggingface.co URL is accepted too). */
  repo: string;
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  /** Read token for gated/private repos. Used for this load's requests only; never written anywhere. */
  token?: string | null;
  /** Default https://huggingface.co; tests and mirrors point it elsewhere. */
  hubUrl?: string;
  cache: HubCache;
  signal?: AbortSignal;
  onProgress?(p: HubProgress): void;
  /** Re-list the repo even when a complete copy is cached (picks up new commits on a branch). */
  refresh?: boolean;
  fetch?: typeof fetch;
}

export interface HubProgress {
  stage: 'listing' | 'config' | 'downloading' | 'done';
  file: string | null;
  fileIndex: number;
  fileCount: number;
  /** Over all selected files, cached prefixes included. */
  bytesDone: number;
  bytesTotal: number;
  fileBytesDone: number;
  fileBytesTotal: number;
  /** Network speed over the last few seconds. */
  bytesPerSecond: number;
  etaMs: number | null;
}

export interface HubModel {
  /** Read by `loadModel(files, …)` and `loadTokenizer(files)`. */
  files: ModelFiles;
  manifest: HubManifest;
  config: ModelConfig;
  /** Bytes fetched over the network by this call (0 when served from the cache). */
  fetchedBytes: number;
  fromCache: boolean;
}

/** Accepts `owner/name`, `name`, or `https://huggingface.co/owner/name[/tree/rev]`; returns repo and revision. */
export function parseRepoInput(input: string): { repo: string; revision: string | null } {
  let s = input.trim().replace(/^https?:\/\/(www\.)?huggingface\.co\//, '');
  let revision: string | null = null;
  const tree = /^([^/]+\/[^/]+)\/(?:tree|blob|resolve)\/([^/]+)/.exec(s);
  if (tree) [, s, revision] = tree;
  s = s.replace(/\/+$/, '');
  if (!/^([\w.-]+\/)?[\w.-]+$/.test(s) || s.includes('..') || s.includes('--')) {
    throw new HubError(`'${input}' is not a model id; expected owner/name, e.g. HuggingFaceTB/SmolLM2-135M`, input);
  }
  checkRepoId(s);
  return { repo: s, revision: revision === null ? null : checkRevision(revision, s) };
}

/** Opens a completely downloaded repo revision from the cache (no network), or null. */
export async function openCachedModel(cache: HubCache, repo: string, revision = 'main'): Promise<HubModel | null> {
  checkRevision(revision, checkRepoId(repo));
  const manifest = await readManifest(cache, repo, revision);
  if (!manifest?.complete) return null;
  const files = cachedModelFiles(cache, manifest);
  const config = parseModelConfig(
    JSON.parse(new TextDecoder().decode(await files.read('config.json'))),
    `${files.label}/config.json`,
  );
  return { files, manifest, config, fetchedBytes: 0, fromCache: true };
}

/** Loads a model from the hub into `cache` (or straight from it when complete) and returns its files. */
export async function loadFromHub(opts: HubLoadOptions): Promise<HubModel> {
  const parsed = parseRepoInput(opts.repo);
  const revision = checkRevision(opts.revision?.trim() || parsed.revision || 'main', parsed.repo);
  if (!opts.refresh) {
    const cached = await openCachedModel(opts.cache, parsed.repo, revision);
    if (cached) {
      const total = cached.manifest.files.reduce((s, f) => s + f.size, 0);
      opts.onProgress?.(progress('done', null, 0, cached.manifest.files.length, total, total, 0, 0, null));
      return cached;
    }
  }
  const req = makeRequest({
    repo: parsed.repo,
    revision,
    hubUrl: opts.hubUrl ?? DEFAULT_HUB_URL,
    token: opts.token,
    fetch: opts.fetch,
    signal: opts.signal,
  });
  opts.onProgress?.(progress('listing', null, 0, 0, 0, 0, 0, 0, null));
  const listing = await listRepo(req);
  const selection = selectFiles(listing);
  if (!selection.aux.some((f) => f.path === 'config.json')) {
    throw new HubResponseError(
      `${req.repo}: no config.json at the top of the repo (is it a transformers model?)`,
      req.repo,
      404,
    );
  }
  const manifest: HubManifest = {
    repo: req.repo,
    revision,
    hubUrl: req.hubUrl,
    files: [],
    complete: false,
    updatedAt: new Date().toISOString(),
    architecture: null,
  };
  const meter = new SpeedMeter();
  let fetched = 0;
  const small = async (f: ManifestFile): Promise<void> => {
    fetched += await downloadToCache(req, opts.cache, f, () => undefined);
  };
  // config.json first: its architecture decides whether anything else is worth downloading.
  opts.onProgress?.(progress('config', 'config.json', 0, 0, 0, 0, 0, 0, null));
  const config = await checkConfig(req, opts.cache, selection.aux[0], small);
  manifest.architecture = config.architecture;
  const weights = selection.index
    ? await shardList(req, opts.cache, selection.index, listing, small)
    : selection.weights;
  if (weights.length === 0) {
    const other = selection.otherWeights;
    throw new HubNoSafetensorsError(
      `${req.repo}: no .safetensors weights${
        other.length
          ? ` (found ${other.slice(0, 3).join(', ')}` +
            `${other.length > 3 ? ', …' : ''}, which this studio cannot read)`
          : ''
      }; pick a repo that ships safetensors`,
      req.repo,
      other,
    );
  }
  manifest.files = [...selection.aux, ...(selection.index ? [selection.index] : []), ...weights];
  await writeManifest(opts.cache, manifest);
  await checkRoom(req, opts.cache, manifest);
  fetched += await downloadAll(req, opts, manifest, meter);
  manifest.complete = true;
  manifest.updatedAt = new Date().toISOString();
  await writeManifest(opts.cache, manifest);
  return { files: cachedModelFiles(opts.cache, manifest), manifest, config, fetchedBytes: fetched, fromCache: false };
}

async function listRepo(req: HubRequest): Promise<ManifestFile[]> {
  // @huggingface/hub does the listing (tree API, pagination); this fetch adds the token, the AbortSignal and
  // keeps the failing response so its X-Error-Code survives into our error.
  let failed: Response | null = null;
  const tracked: typeof fetch = async (input, init) => {
    const res = await req.fetch(input, {
      ...init,
      headers: { ...(init?.headers as Record<string, string>), ...req.headers },
      signal: req.signal,
    });
    if (!res.ok) failed = res.clone();
    return res;
  };
  const out: ManifestFile[] = [];
  try {
    for await (const e of listFiles({
      repo: req.repo,
      revision: req.revision,
      hubUrl: req.hubUrl,
      recursive: true,
      fetch: tracked,
    })) {
      if (e.type === 'file')
        out.push({
          path: e.path,
          size: listedSize(req, e.path, e.lfs?.size ?? e.size),
          oid: e.lfs?.oid ?? e.oid ?? null,
        });
    }
  } catch (e) {
    if (isAbortError(e)) throw e;
    if (failed) await checkResponse(req, failed as Response, 'file listing');
    const status = (e as { statusCode?: number }).statusCode;
    if (status) throw errorFor(req, status, '', 'file listing', (e as Error).message);
    throw new HubNetworkError(
      `${req.repo}: could not reach ${req.hubUrl} (${(e as Error).message}); check the ` + 'connection and try again',
      req.repo,
      null,
      0,
      true,
    );
  }
  return out;
}

/**
 * A listed size must be a plain byte count: NaN or a negative size made every room and completeness check pass
 * (`needed > free` is false for NaN).
 */
function listedSize(req: HubRequest, path: string, size: unknown): number {
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) return size;
  throw new HubResponseError(
    `${req.repo}: the file listing gives ${path} the size ${JSON.stringify(size)}, which is not a byte count`,
    req.repo,
    200,
  );
}

async function readCachedJson(req: HubRequest, cache: HubCache, path: string): Promise<unknown> {
  const text = new TextDecoder().decode(await cache.read(fileKey(req.repo, req.revision, path)));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HubResponseError(`${req.repo}/${path}: not valid JSON (${(e as Error).message})`, req.repo, 200);
  }
}

async function checkConfig(
  req: HubRequest,
  cache: HubCache,
  file: ManifestFile,
  fetchSmall: (f: ManifestFile) => Promise<void>,
): Promise<ModelConfig> {
  await fetchSmall(file);
  const json = await readCachedJson(req, cache, file.path);
  try {
    return parseModelConfig(json, `${req.repo}/config.json`);
  } catch (e) {
    throw new HubUnsupportedArchitectureError(`${(e as Error).message}. Nothing else was downloaded.`, req.repo);
  }
}

async function shardList(
  req: HubRequest,
  cache: HubCache,
  index: ManifestFile,
  listing: ManifestFile[],
  fetchSmall: (f: ManifestFile) => Promise<void>,
): Promise<ManifestFile[]> {
  await fetchSmall(index);
  try {
    return shardsFromIndex(await readCachedJson(req, cache, SHARD_INDEX), listing);
  } catch (e) {
    throw new HubResponseError(`${req.repo}: ${(e as Error).message}`, req.repo, 200);
  }
}

async function checkRoom(req: HubRequest, cache: HubCache, m: HubManifest): Promise<void> {
  let needed = 0;
  for (const f of m.files) needed += f.size - Math.min(f.size, await cache.size(fileKey(m.repo, m.revision, f.path)));
  const free = await cache.freeBytes();
  if (free !== null && needed > free) {
    throw new HubStorageError(
      `${req.repo}: not enough storage: ${mb(needed)} still to download but ${cache.label} has ` +
        `${mb(free)} free; free space in the cache manager (or the browser's site data) and try again`,
      req.repo,
      needed,
      free,
    );
  }
}

async function downloadAll(req: HubRequest, opts: HubLoadOptions, m: HubManifest, meter: SpeedMeter): Promise<number> {
  const total = m.files.reduce((s, f) => s + f.size, 0);
  const before: number[] = [];
  for (const f of m.files) before.push(Math.min(f.size, await opts.cache.size(fileKey(m.repo, m.revision, f.path))));
  let finished = 0; // bytes of files already completed in this loop
  let fetched = 0;
  for (let i = 0; i < m.files.length; i++) {
    const f = m.files[i];
    const rest = before.slice(i + 1).reduce((s, b) => s + b, 0); // cached prefixes of later files
    fetched += await downloadToCache(req, opts.cache, f, (t) => {
      const done = finished + t.done + rest;
      const speed = meter.sample(fetched + t.fetched);
      opts.onProgress?.(
        progress(
          'downloading',
          f.path,
          i,
          m.files.length,
          done,
          total,
          t.done,
          t.total,
          speed,
          speed > 0 ? ((total - done) / speed) * 1000 : null,
        ),
      );
    });
    finished += f.size;
  }
  opts.onProgress?.(
    progress('done', null, m.files.length, m.files.length, total, total, 0, 0, meter.sample(fetched), 0),
  );
  return fetched;
}

function progress(
  stage: HubProgress['stage'],
  file: string | null,
  fileIndex: number,
  fileCount: number,
  bytesDone: number,
  bytesTotal: number,
  fileBytesDone: number,
  fileBytesTotal: number,
  bytesPerSecond: number | null,
  etaMs: number | null = null,
): HubProgress {
  return {
    stage,
    file,
    fileIndex,
    fileCount,
    bytesDone,
    bytesTotal,
    fileBytesDone,
    fileBytesTotal,
    bytesPerSecond: bytesPerSecond ?? 0,
    etaMs,
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
