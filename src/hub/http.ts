/**
 * The request context shared by listing and downloads, and the mapping from hub HTTP answers to errors a user
 * can act on. The hub marks its refusals with an `X-Error-Code` header (RepoNotFound, RevisionNotFound,
 * EntryNotFound, GatedRepo); a 401 without a token usually means "private or does not exist".
 */
import { HubAccessError, HubRepoNotFoundError, HubResponseError, HubRevisionNotFoundError } from '../spec/hub-errors';

/** Everything a hub request needs; built once per load. */
export interface HubRequest {
  repo: string;
  revision: string;
  hubUrl: string;
  /** Authorization when a token was given; the token itself is never stored. */
  headers: Record<string, string>;
  hasToken: boolean;
  fetch: typeof fetch;
  signal?: AbortSignal;
  /** `{hub}/{repo}/resolve/{revision}/{path}` */
  resolveUrl(path: string): string;
}

export function makeRequest(o: {
  repo: string;
  revision: string;
  hubUrl: string;
  token?: string | null;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}): HubRequest {
  const hubUrl = o.hubUrl.replace(/\/+$/, '');
  const token = o.token?.trim() || null;
  return {
    repo: o.repo,
    revision: o.revision,
    hubUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    hasToken: token !== null,
    fetch: o.fetch ?? globalThis.fetch.bind(globalThis),
    signal: o.signal,
    resolveUrl: (path) =>
      `${hubUrl}/${o.repo}/resolve/${encodeURIComponent(o.revision)}/${path.split('/').map(encodeURIComponent).join('/')}`,
  };
}

/** Throws the matching `HubError` for a non-2xx response; `what` names the file or listing. */
export async function checkResponse(req: HubRequest, res: Response, what: string): Promise<void> {
  if (res.ok) return;
  const code = res.headers.get('x-error-code') ?? '';
  const detail = await serverMessage(res);
  throw errorFor(req, res.status, code, what, detail);
}

/** Maps status + X-Error-Code to an error; also used for errors thrown by @huggingface/hub (status only). */
export function errorFor(req: HubRequest, status: number, code: string, what: string, detail: string): Error {
  const { repo, hubUrl } = req;
  const page = `${hubUrl}/${repo}`;
  if (code === 'RevisionNotFound') {
    return new HubRevisionNotFoundError(
      `${repo}: revision '${req.revision}' not found (check the branch, tag or commit)`,
      repo,
    );
  }
  if (code === 'GatedRepo' || (status === 403 && /gated|restricted|accept/i.test(detail))) {
    return new HubAccessError(
      `${repo} is gated: accept its terms at ${page} while logged in, then enter a read ` +
        `access token${req.hasToken ? ' from that account' : ''}`,
      repo,
      status,
      true,
    );
  }
  if (code === 'RepoNotFound' || status === 404) {
    if (code === 'EntryNotFound') return new HubResponseError(`${repo}: ${what} is missing from the repo`, repo, 404);
    return new HubRepoNotFoundError(
      `${repo}: repository not found on ${hubUrl} (check the spelling 'owner/name'` +
        `${req.hasToken ? '' : '; if it is private, enter an access token'})`,
      repo,
    );
  }
  if (status === 401) {
    return new HubAccessError(
      req.hasToken
        ? `${repo}: the access token was rejected (expired or revoked?)`
        : `${repo}: needs an access token (private or gated repository)`,
      repo,
      status,
      false,
    );
  }
  if (status === 403) {
    return new HubAccessError(
      `${repo}: access denied${req.hasToken ? ' for this token' : ''} (${detail || 'forbidden'})`,
      repo,
      status,
      false,
    );
  }
  return new HubResponseError(
    `${repo}: ${what}: the hub answered HTTP ${status}${detail ? ` (${detail})` : ''}`,
    repo,
    status,
  );
}

async function serverMessage(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 500);
    try {
      const j = JSON.parse(text) as { error?: string; message?: string };
      return j.error ?? j.message ?? text;
    } catch {
      return text;
    }
  } catch {
    return '';
  }
}
