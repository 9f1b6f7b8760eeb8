/**
 * Where downloaded hub files live: a pluggable byte store (IndexedDB in the browser, a folder or memory in Node;
 * the OPFS one, opfs-cache.ts, is tested but not wired in).
 * Files grow by appends so that an interrupted download keeps its prefix and resumes with an HTTP Range request;
 * small JSON records hold each model's manifest, which is what lets a second load run with no network at all.
 */
import type { ModelFiles } from '../spec/model-files';
import { checkRepoFilePath, checkRepoId, checkRevision } from './names';

/** A byte store for hub downloads. Keys are slash-separated paths (`org/name/main/model.safetensors`). */
export interface HubCache {
  /** For messages ("OPFS", "/home/me/.cache/lora-studio"). */
  readonly label: string;
  /** Bytes stored under `key` (a finished file or the prefix of an interrupted one); 0 when none. */
  size(key: string): Promise<number>;
  /** Appends to the bytes stored under `key` (creating it). Rejects with a `QuotaExceededError` when full. */
  append(key: string, bytes: Uint8Array): Promise<void>;
  /** Bytes [start, end) of `key`; the whole file when both are omitted. */
  read(key: string, start?: number, end?: number): Promise<Uint8Array>;
  /** A small JSON record, or null. */
  getRecord<T>(key: string): Promise<T | null>;
  putRecord(key: string, value: unknown): Promise<void>;
  /** Keys of records under `prefix`. */
  listRecords(prefix: string): Promise<string[]>;
  /** Deletes every file and record whose key starts with `prefix`. */
  remove(prefix: string): Promise<void>;
  /** How many more bytes may be stored, or null when the platform cannot say. */
  freeBytes(): Promise<number | null>;
}

/** One file of a cached model, as the hub listed it. */
export interface ManifestFile {
  path: string;
  size: number;
  /** Git/LFS object id from the listing; a different id later means the file changed and must be re-fetched. */
  oid: string | null;
}

/** What the cache knows about one downloaded repo revision. */
export interface HubManifest {
  repo: string;
  revision: string;
  hubUrl: string;
  files: ManifestFile[];
  /** True once every file is complete; only complete manifests are opened offline. */
  complete: boolean;
  /** ISO time of the last (partial or full) download. */
  updatedAt: string;
  /** `architectures[0]` / model_type from config.json, for the cache manager. */
  architecture: string | null;
}

const MANIFESTS = 'manifests/';

/** Cache key of a file's bytes. Throws a `HubError` for a name that could leave its folder (`..`, `/`). */
export function fileKey(repo: string, revision: string, path: string): string {
  return `${revisionKey(repo, revision)}/${checkRepoFilePath(path, repo)}`;
}

/** `files/<repo>/<revision>`, after checking both are plain names. */
function revisionKey(repo: string, revision: string): string {
  return `files/${checkRepoId(repo)}/${encodeURIComponent(checkRevision(revision, repo))}`;
}

function manifestKey(repo: string, revision: string): string {
  return `${MANIFESTS}${checkRepoId(repo)}/${encodeURIComponent(checkRevision(revision, repo))}`;
}

export async function readManifest(cache: HubCache, repo: string, revision: string): Promise<HubManifest | null> {
  return cache.getRecord<HubManifest>(manifestKey(repo, revision));
}

export async function writeManifest(cache: HubCache, m: HubManifest): Promise<void> {
  await cache.putRecord(manifestKey(m.repo, m.revision), m);
}

/** A cached repo revision as the cache manager shows it. */
export interface CachedModel {
  repo: string;
  revision: string;
  architecture: string | null;
  complete: boolean;
  /** Bytes on disk, partial downloads included. */
  storedBytes: number;
  /** Bytes of the full download. */
  totalBytes: number;
  updatedAt: string;
}

/** Every model in the cache, newest first. */
export async function listCachedModels(cache: HubCache): Promise<CachedModel[]> {
  const out: CachedModel[] = [];
  for (const key of await cache.listRecords(MANIFESTS)) {
    const m = await cache.getRecord<HubManifest>(key);
    if (!m) continue;
    let stored = 0;
    for (const f of m.files) stored += await cache.size(fileKey(m.repo, m.revision, f.path));
    out.push({
      repo: m.repo,
      revision: m.revision,
      architecture: m.architecture,
      complete: m.complete,
      storedBytes: stored,
      totalBytes: m.files.reduce((s, f) => s + f.size, 0),
      updatedAt: m.updatedAt,
    });
  }
  return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** Frees a cached model (files, partial downloads and manifest). */
export async function deleteCachedModel(cache: HubCache, repo: string, revision: string): Promise<void> {
  const files = `${revisionKey(repo, revision)}/`;
  await cache.remove(files);
  await cache.remove(`state/${files}`); // per-file download state (see download-file.ts)
  await cache.remove(manifestKey(repo, revision));
}

/** The files of a complete cached model as the `ModelFiles` that `loadModel` and `loadTokenizer` read. */
export function cachedModelFiles(cache: HubCache, manifest: HubManifest): ModelFiles {
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const label = `hf:${manifest.repo}@${manifest.revision}`;
  return {
    label,
    async list() {
      return manifest.files.map((f) => f.path);
    },
    async size(name) {
      return byPath.get(name)?.size ?? null;
    },
    async read(name, start, end) {
      const f = byPath.get(name);
      if (!f) throw new Error(`${label}/${name}: file not found (not part of the downloaded files)`);
      return cache.read(fileKey(manifest.repo, manifest.revision, name), start, end);
    },
  };
}
