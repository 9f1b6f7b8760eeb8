/**
 * A local stand-in for huggingface.co serving the URL layout the hub loader and @huggingface/hub use, from
 * folders on disk: `GET /api/models/{repo}[/revision/{rev}]`, `GET /api/models/{repo}/tree/{rev}`, and
 * `GET|HEAD /{repo}/resolve/{rev}/{path}` with HTTP Range. Gated and private repos, unknown revisions and a
 * "drop the connection after N bytes" switch reproduce the failures the loader must explain or resume from.
 *
 * Library: `startHubServer({ repos: { 'org/name': { dir } } })`. Command line (e2e):
 *   npx tsx scripts/hub-server.ts --repo org/name=DIR [--repo …] [--gated org/name] [--port 0] [--chunk-delay-ms 0]
 * prints one JSON line `{"url": "http://127.0.0.1:PORT"}`; `POST /__control/drop?file=F&after=N` arms a drop.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HubServerRepo {
  dir: string;
  /** Files need a token (`hf_…`); a missing one gets 401 GatedRepo, any other than `token` 403. */
  gated?: boolean;
  /** Without the right token the repo does not exist (401 RepoNotFound), as on the real hub. */
  private?: boolean;
  /** The token that opens a gated/private repo; default `hf_test_token`. */
  token?: string;
  /** Revisions served (all the same files); default ['main']. */
  revisions?: string[];
}

export interface RequestLogEntry {
  method: string;
  url: string;
  range: string | null;
  authorization: string | null;
  status: number;
  bytesSent: number;
}

export interface HubServer {
  url: string;
  /** Every request served, in order. */
  readonly requests: RequestLogEntry[];
  /** The next GET of `file` (a path inside the repo) sends `afterBytes` body bytes, then kills the socket. */
  dropNext(file: string, afterBytes: number): void;
  close(): Promise<void>;
}

export interface HubServerOptions {
  repos: Record<string, HubServerRepo>;
  port?: number;
  /** Sends bodies in 64 KiB slices with this pause between them (lets a browser test cancel mid-file). */
  chunkDelayMs?: number;
}

interface FileInfo {
  path: string;
  size: number;
  oid: string;
  sha256: string;
}

const LFS = /\.(safetensors|bin|gguf|pt|pth|onnx)$/;

const infoCache = new Map<string, FileInfo>();

/** sha1 (git blob id) and sha256 of a file, read 8 MiB at a time; cached per path, size and mtime. */
function fileInfo(full: string, rel: string): FileInfo {
  const st = statSync(full);
  const key = `${full}:${st.size}:${st.mtimeMs}`;
  const cached = infoCache.get(key);
  if (cached) return { ...cached, path: rel };
  const sha1 = createHash('sha1').update(`blob ${st.size}\0`);
  const sha256 = createHash('sha256');
  const buf = Buffer.alloc(8 << 20);
  const fd = openSync(full, 'r');
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) {
      sha1.update(buf.subarray(0, n));
      sha256.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const info = { path: rel, size: st.size, oid: sha1.digest('hex'), sha256: sha256.digest('hex') };
  infoCache.set(key, info);
  return info;
}

function listDir(dir: string, prefix = ''): FileInfo[] {
  const out: FileInfo[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listDir(full, rel));
    else if (e.isFile()) out.push(fileInfo(full, rel));
  }
  return out;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range, Authorization, Content-Type, Accept',
  'Access-Control-Expose-Headers':
    'Content-Range, Content-Length, ETag, X-Error-Code, X-Repo-Commit, Accept-Ranges, Link',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

type Req = http.IncomingMessage;
type Res = http.ServerResponse;

/** `bytes=a-` / `bytes=a-b` → [start, end] (inclusive), 'unsatisfiable', or null for no/other Range header. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header ?? '');
  if (!m) return null;
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  return [start, m[2] ? Math.min(Number(m[2]), size - 1) : size - 1];
}

/** The request handling, one method per route. */
class LocalHub {
  readonly requests: RequestLogEntry[] = [];
  readonly drops = new Map<string, number>();

  constructor(private readonly opts: HubServerOptions) {}

  handle(req: Req, res: Res): void {
    const entry: RequestLogEntry = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      range: req.headers.range ?? null,
      authorization: req.headers.authorization ?? null,
      status: 0,
      bytesSent: 0,
    };
    this.requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => (entry.status ||= res.statusCode));
    try {
      this.route(req, res, entry);
    } catch (e) {
      send(res, 500, { error: (e as Error).message });
    }
  }

  private route(req: Req, res: Res, entry: RequestLogEntry): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
    if (parts[0] === '__control' && parts[1] === 'drop') {
      this.drops.set(url.searchParams.get('file') ?? '', Number(url.searchParams.get('after') ?? 0));
      return send(res, 200, { ok: true });
    }
    if (parts[0] === 'api' && parts[1] === 'models') return this.api(req, res, parts.slice(2));
    if (parts[2] === 'resolve') return this.resolve(req, res, entry, parts);
    send(res, 404, { error: 'Not found' });
  }

  /** The repo if the request may see it (and, for file downloads, read it); otherwise answers as the hub does. */
  private repoOf(req: Req, res: Res, id: string, files: boolean): HubServerRepo | null {
    const repo = this.opts.repos[id];
    const auth = req.headers.authorization ?? '';
    const ok = repo && auth === `Bearer ${repo.token ?? 'hf_test_token'}`;
    if (!repo || (repo.private && !ok)) {
      send(res, repo ? 401 : 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      return null;
    }
    if (files && repo.gated && !ok) {
      send(
        res,
        auth ? 403 : 401,
        {
          error:
            `Access to model ${id} is restricted. You must have access to it and be ` +
            'authenticated to access it. Please log in.',
        },
        { 'X-Error-Code': 'GatedRepo' },
      );
      return null;
    }
    return repo;
  }

  private revisionOk(repo: HubServerRepo, rev: string, res: Res): boolean {
    if ((repo.revisions ?? ['main']).includes(rev)) return true;
    send(res, 404, { error: `Invalid rev id: ${rev}` }, { 'X-Error-Code': 'RevisionNotFound' });
    return false;
  }

  /** `/api/models/{repo}`, `/api/models/{repo}/revision/{rev}`, `/api/models/{repo}/tree/{rev}[/{path}]`. */
  private api(req: Req, res: Res, p: string[]): void {
    const id = `${p[0]}/${p[1]}`;
    const repo = this.repoOf(req, res, id, false);
    if (!repo) return;
    const rev = p[2] === 'tree' || p[2] === 'revision' ? (p[3] ?? 'main') : 'main';
    if (!this.revisionOk(repo, rev, res)) return;
    const files = listDir(repo.dir);
    if (p[2] === 'tree') {
      const sub = p.slice(4).join('/');
      return send(
        res,
        200,
        files
          .filter((f) => !sub || f.path.startsWith(`${sub}/`))
          .map((f) => ({
            type: 'file',
            oid: f.oid,
            size: f.size,
            path: f.path,
            ...(LFS.test(f.path) ? { lfs: { oid: f.sha256, size: f.size, pointerSize: 134 } } : {}),
          })),
      );
    }
    const sha = createHash('sha1')
      .update(files.map((f) => f.oid).join())
      .digest('hex');
    send(res, 200, {
      _id: sha.slice(0, 24),
      id,
      modelId: id,
      sha,
      private: !!repo.private,
      gated: repo.gated ? 'auto' : false,
      disabled: false,
      tags: ['transformers', 'safetensors'],
      library_name: 'transformers',
      siblings: files.map((f) => ({ rfilename: f.path })),
    });
  }

  /** `GET|HEAD /{repo}/resolve/{rev}/{path}` with Range. */
  private resolve(req: Req, res: Res, entry: RequestLogEntry, p: string[]): void {
    const repo = this.repoOf(req, res, `${p[0]}/${p[1]}`, true);
    if (!repo || !this.revisionOk(repo, p[3] ?? '', res)) return;
    const file = p.slice(4).join('/');
    const info = listDir(repo.dir).find((f) => f.path === file);
    if (!info) return send(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
    const size = info.size;
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      return send(res, 416, { error: 'Range Not Satisfiable' }, { 'Content-Range': `bytes */${size}` });
    }
    const [start, end] = range ?? [0, size - 1];
    const headers: Record<string, string | number> = {
      ...CORS,
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      ETag: `"${LFS.test(file) ? info.sha256 : info.oid}"`,
      'X-Repo-Commit': 'local',
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    const dropAfter = this.drops.get(file);
    this.drops.delete(file);
    this.stream(res, entry, path.join(repo.dir, ...file.split('/')), [start, end + 1], dropAfter ?? null);
  }

  /**
   * Sends bytes [from, to) of `file` in slices read as the socket drains (64 KiB with `chunkDelayMs`, else 4 MiB: a
   * GB-sized shard is never held whole), or only `dropAfter` bytes and then kills the socket.
   */
  private stream(
    res: Res,
    entry: RequestLogEntry,
    file: string,
    [from, to]: [number, number],
    dropAfter: number | null,
  ): void {
    const limit = dropAfter === null ? to - from : Math.min(dropAfter, to - from);
    const delay = this.opts.chunkDelayMs ?? 0;
    const slice = delay ? 64 * 1024 : 4 << 20;
    const fd = openSync(file, 'r');
    let o = 0;
    const next = (): void => {
      if (res.destroyed || o >= limit) closeSync(fd);
      if (res.destroyed) return;
      if (o >= limit) {
        // A short pause before the drop lets the client read what was sent, as on a real network; destroying at
        // once can turn into a TCP reset that discards the bytes still in the client's receive buffer.
        if (dropAfter !== null) setTimeout(() => res.socket?.destroy(), 150);
        else res.end();
        return;
      }
      const chunk = Buffer.alloc(Math.min(slice, limit - o));
      const n = readSync(fd, chunk, 0, chunk.length, from + o);
      if (n === 0) {
        closeSync(fd);
        return void res.destroy(); // the file shrank under us
      }
      o += n;
      entry.bytesSent += n;
      res.write(chunk.subarray(0, n), () => (delay ? setTimeout(next, delay) : next()));
    };
    next();
  }
}

/** Starts the server on 127.0.0.1 (random port unless `port` is given). */
export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const hub = new LocalHub(opts);
  const server = http.createServer((req, res) => hub.handle(req, res));
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: hub.requests,
    dropNext: (file, afterBytes) => void hub.drops.set(file, afterBytes),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

async function main(argv: string[]): Promise<void> {
  const repos: Record<string, HubServerRepo> = {};
  let port = 0;
  let chunkDelayMs = 0;
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--repo') {
      const [id, dir] = value.split('=');
      repos[id] = { ...repos[id], dir: path.resolve(dir) };
    } else if (flag === '--gated') repos[value] = { ...repos[value], gated: true };
    else if (flag === '--port') port = Number(value);
    else if (flag === '--chunk-delay-ms') chunkDelayMs = Number(value);
    else throw new Error(`hub-server: unknown flag ${flag}`);
    i++;
  }
  const server = await startHubServer({ repos, port, chunkDelayMs });
  process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
