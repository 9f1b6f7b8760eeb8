/**
 * `npm run -s cli -- hub download|list|rm …`: the hub loader from the command line, with a folder cache.
 *
 *   hub download OWNER/NAME [--revision R] [--hub-url URL] [--cache DIR] [--token hf_…]
 *       progress on stderr; one JSON line on stdout: {repo, revision, dir, files, bytes, fetchedBytes, fromCache}
 *       (`dir` is a folder `score`/`generate`/`train --model` accept). The token may also come from $HF_TOKEN.
 *   hub list [--cache DIR]                      one JSON line per cached model
 *   hub rm OWNER/NAME [--revision R] [--cache DIR]
 */
import { mkdirSync, symlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteCachedModel, fileKey, listCachedModels } from '../../hub/cache';
import { HubError } from '../../spec/hub-errors';
import { folderHubCache } from '../../hub/folder-cache.node.js';
import { loadFromHub, parseRepoInput, type HubModel, type HubProgress } from '../../hub/hub-loader';
import { checkRepoFilePath, checkRepoId, checkRevision } from '../../hub/names';
import { CliError, flag, parseFlags, type CliCommand } from '../command';

const DEFAULT_CACHE = path.join(os.homedir(), '.cache', 'lora-studio', 'hub');

function progressLine(p: HubProgress): string {
  const pct = p.bytesTotal ? ((100 * p.bytesDone) / p.bytesTotal).toFixed(1) : '0.0';
  const speed = (p.bytesPerSecond / 1e6).toFixed(1);
  return `${p.stage} ${p.file ?? ''} ${pct}% of ${(p.bytesTotal / 1e6).toFixed(1)} MB, ${speed} MB/s`;
}

/**
 * A folder view of the cached files (symlinks into the cache), so the other commands' `--model DIR` reads them
 * without a second copy.
 */
function linkFolder(cacheDir: string, hub: HubModel): string {
  const { repo, revision } = hub.manifest;
  const dir = modelsDir(cacheDir, repo, revision);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of hub.manifest.files) {
    symlinkSync(
      path.join(cacheDir, ...fileKey(repo, revision, f.path).split('/')),
      path.join(dir, checkRepoFilePath(f.path, repo)),
    );
  }
  return dir;
}

/**
 * `<cache>/models/<owner>--<name>/<revision>`, the folder `linkFolder` fills and `hub rm` deletes. Both names are
 * checked first: with `..` as the revision this path was `<cache>/models` itself.
 */
function modelsDir(cacheDir: string, repo: string, revision: string): string {
  const models = path.join(cacheDir, 'models');
  const dir = path.join(
    models,
    checkRepoId(repo).replace('/', '--'),
    encodeURIComponent(checkRevision(revision, repo)),
  );
  if (path.dirname(path.dirname(dir)) !== models)
    throw new HubError(`${repo}@${revision}: not a folder inside ${models}`, repo);
  return dir;
}

async function download(positional: string[], flags: Map<string, string[]>): Promise<number> {
  if (!positional[0]) throw new CliError('hub download: give a repo id, e.g. HuggingFaceTB/SmolLM2-135M');
  const cacheDir = path.resolve(flag(flags, 'cache', DEFAULT_CACHE)!);
  let last = 0;
  const hub = await loadFromHub({
    repo: positional[0],
    revision: flag(flags, 'revision'),
    hubUrl: flag(flags, 'hub-url'),
    token: flag(flags, 'token') ?? process.env.HF_TOKEN ?? null,
    cache: folderHubCache(cacheDir),
    refresh: flags.has('refresh'),
    onProgress: (p) => {
      const now = Date.now();
      if (now - last < 500 && p.stage === 'downloading') return;
      last = now;
      process.stderr.write(progressLine(p) + '\n');
    },
  });
  const bytes = hub.manifest.files.reduce((s, f) => s + f.size, 0);
  process.stdout.write(
    JSON.stringify({
      repo: hub.manifest.repo,
      revision: hub.manifest.revision,
      dir: linkFolder(cacheDir, hub),
      files: hub.manifest.files.map((f) => f.path),
      bytes,
      fetchedBytes: hub.fetchedBytes,
      fromCache: hub.fromCache,
      architecture: hub.config.architecture,
    }) + '\n',
  );
  return 0;
}

export const hubCommand: CliCommand = {
  summary: 'download a model from the Hugging Face hub (resumable, cached), list or remove cached models',
  async run(argv) {
    const [sub, ...rest] = argv;
    const { flags, positional } = parseFlags(rest);
    const cacheDir = path.resolve(flag(flags, 'cache', DEFAULT_CACHE)!);
    try {
      if (sub === 'download') return await download(positional, flags);
      if (sub === 'list') {
        for (const m of await listCachedModels(folderHubCache(cacheDir)))
          process.stdout.write(JSON.stringify(m) + '\n');
        return 0;
      }
      if (sub === 'rm') {
        if (!positional[0]) throw new CliError('hub rm: give a repo id');
        const { repo, revision } = parseRepoInput(positional[0]);
        const rev = flag(flags, 'revision') ?? revision ?? 'main';
        const dir = modelsDir(cacheDir, repo, rev); // checks the names before anything is deleted
        await deleteCachedModel(folderHubCache(cacheDir), repo, rev);
        rmSync(dir, { recursive: true, force: true });
        return 0;
      }
    } catch (e) {
      if (e instanceof HubError) throw new CliError(e.message);
      throw e;
    }
    throw new CliError(
      'usage: hub download OWNER/NAME [--revision R] [--hub-url URL] [--cache DIR] [--token T] | hub list | hub rm OWNER/NAME',
    );
  },
};
