/**
 * Turns a {@link ModelSource} into `ModelFiles`: built-in models over HTTP from the page's origin, dropped files
 * as blobs, and hub repos downloaded (resumably) into the browser cache first, with byte progress and speed.
 */
import { DEFAULT_HUB_URL, loadFromHub, parseRepoInput } from '../../hub/hub-loader';
import type { HubCache } from '../../hub/cache';
import { memoryHubCache } from '../../hub/memory-cache';
import { memoryFiles } from '../../formats/memory-files';
import type { ModelFiles } from '../../spec/model-files';
import { EngineError, InvalidRequestError } from '../../spec/errors';
import type { ModelSource } from '../../protocol/model-types';
import { idbHubCache } from '../../storage/hub-cache';
import type { JobContext } from '../job';
import { blobModelFiles } from './blob-files';
import { httpModelFiles } from './http-files';

/** An opened source: its files and how the studio names the model. */
export interface OpenedSource {
  files: ModelFiles;
  /** Stored with adapters as their base model. */
  id: string;
  label: string;
  downloadedBytes: number;
}

/** Opens `source`; hub sources download here (stage `download`). */
export async function openSource(source: ModelSource, job: JobContext): Promise<OpenedSource> {
  switch (source.kind) {
    case 'builtin': {
      if (!/^https?:\/\//.test(source.baseUrl) || !source.baseUrl.endsWith('/')) {
        throw new InvalidRequestError(`Built-in model URL must be absolute and end in '/': ${source.baseUrl}`);
      }
      const files = httpModelFiles(source.baseUrl, source.files, source.id, fetch, job.signal);
      const missing = [];
      for (const name of ['config.json', ...source.files.filter((n) => n.endsWith('.safetensors'))]) {
        if ((await files.size(name)) === null) missing.push(`${source.id}/${name}`);
      }
      if (missing.length > 0) {
        throw new EngineError(
          `The built-in model is not complete in this build (${missing.join(', ')} missing). Load a model from Hugging Face or from local files instead.`,
        );
      }
      return { files, id: source.id, label: source.id, downloadedBytes: 0 };
    }
    case 'files': {
      if (source.files.length === 0)
        throw new InvalidRequestError('Drop the model files (config.json, tokenizer.json, *.safetensors).');
      const name = source.name || 'local model';
      return { files: blobModelFiles(source.files, name), id: `local:${name}`, label: name, downloadedBytes: 0 };
    }
    case 'hub':
      return openHub(source, job);
    default: {
      const never: never = source;
      throw new InvalidRequestError(`Unknown model source ${JSON.stringify(never)}`);
    }
  }
}

async function openHub(source: Extract<ModelSource, { kind: 'hub' }>, job: JobContext): Promise<OpenedSource> {
  const cache = await hubCache(job);
  const hub = await loadFromHub({
    repo: source.repo,
    revision: source.revision,
    token: source.token ?? null,
    hubUrl: source.hubUrl,
    cache,
    signal: job.signal,
    onProgress: (p) =>
      job.emit({
        kind: 'progress',
        stage: 'download',
        done: p.bytesDone,
        total: p.bytesTotal || null,
        unit: 'bytes',
        rate: p.bytesPerSecond,
        detail: p.file ?? p.stage,
      }),
  });
  const { repo, revision } = hub.manifest;
  return { files: hub.files, id: repo, label: `${repo}@${revision}`, downloadedBytes: hub.fetchedBytes };
}

/** The studio database's hub cache; an in-memory one where the host has no database (plain Node). */
async function hubCache(job: JobContext): Promise<HubCache> {
  if (!job.state.deps.openDb) return memoryHubCache();
  return idbHubCache(await job.state.db(), job.state.deps.storage);
}

/**
 * Just config.json of a source, without downloading weights: built-in and dropped files read it in place; a hub
 * repo's is fetched alone from its `resolve` URL (the token, when given, only on this request).
 */
export async function sourceConfigFiles(
  source: ModelSource,
  job: JobContext,
): Promise<{ files: ModelFiles; label: string }> {
  if (source.kind !== 'hub') {
    const opened = await openSource(source, job);
    return { files: opened.files, label: opened.label };
  }
  const { repo, revision } = parseRepoInput(source.repo);
  const rev = source.revision?.trim() || revision || 'main';
  const base = `${(source.hubUrl ?? DEFAULT_HUB_URL).replace(/\/$/, '')}/${repo}/resolve/${encodeURIComponent(rev)}/`;
  const headers: Record<string, string> = source.token ? { Authorization: `Bearer ${source.token}` } : {};
  const authed: typeof fetch = (input, init) =>
    fetch(input, { ...init, headers: { ...headers, ...(init?.headers as Record<string, string>) } });
  let res: Response;
  try {
    res = await authed(base + 'config.json', { signal: job.signal });
  } catch (e) {
    throw new EngineError(
      `Could not reach ${source.hubUrl ?? DEFAULT_HUB_URL} (${(e as Error).message}). Check the connection.`,
    );
  }
  if (res.status === 401 || res.status === 403) {
    throw new EngineError(
      `${repo} is gated or private: paste a Hugging Face read token and accept the model's licence on its page.`,
    );
  }
  if (res.status === 404)
    throw new EngineError(`${repo}@${rev}: no such repo, revision or config.json. Check the spelling.`);
  if (!res.ok) throw new EngineError(`${repo}: the hub answered ${res.status}. Try again later.`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { files: memoryFiles({ 'config.json': bytes }, `${repo}@${rev}`), label: `${repo}@${rev}` };
}
