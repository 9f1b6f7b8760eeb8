/**
 * Errors of the Hugging Face hub loader. Each says what went wrong and what the user can do about it. They are
 * engine errors like any other, so they cross the worker typed: the wire form carries their fields
 * ({@link HubErrorFields}) and the client rebuilds the same class (src/spec/wire-error.ts).
 */
import { EngineError } from './errors';

/** Base class: every hub failure is one of these (or an `AbortError` when the caller cancelled). */
export class HubError extends EngineError {
  override name = 'HubError';
  constructor(
    message: string,
    readonly repo: string,
  ) {
    super(message);
  }
}

/** 404 (or the hub's 401 "RepoNotFound", which it also answers for private repos without a token). */
export class HubRepoNotFoundError extends HubError {
  override name = 'HubRepoNotFoundError';
}

/** The revision (branch, tag, commit) does not exist in the repo. */
export class HubRevisionNotFoundError extends HubError {
  override name = 'HubRevisionNotFoundError';
}

/** 401/403: gated or private repo and no token, a rejected token, or licence not accepted. */
export class HubAccessError extends HubError {
  override name = 'HubAccessError';
  constructor(
    message: string,
    repo: string,
    readonly status: number,
    readonly gated: boolean,
  ) {
    super(message, repo);
  }
}

/** The repo has no `.safetensors` weights (only `.bin`, `.gguf`, …), which this engine cannot read. */
export class HubNoSafetensorsError extends HubError {
  override name = 'HubNoSafetensorsError';
  constructor(
    message: string,
    repo: string,
    readonly otherWeights: string[],
  ) {
    super(message, repo);
  }
}

/** config.json names an architecture the engine does not run; raised before any weight is downloaded. */
export class HubUnsupportedArchitectureError extends HubError {
  override name = 'HubUnsupportedArchitectureError';
}

/** The cache cannot hold what is left to download. */
export class HubStorageError extends HubError {
  override name = 'HubStorageError';
  constructor(
    message: string,
    repo: string,
    readonly neededBytes: number,
    readonly availableBytes: number | null,
  ) {
    super(message, repo);
  }
}

/**
 * The connection failed or dropped mid-download. What arrived is kept in the cache, so calling the loader again
 * resumes with an HTTP Range request from `bytesDone`.
 */
export class HubNetworkError extends HubError {
  override name = 'HubNetworkError';
  constructor(
    message: string,
    repo: string,
    readonly file: string | null,
    readonly bytesDone: number,
    readonly resumable: boolean,
  ) {
    super(message, repo);
  }
}

/** Any other unexpected answer from the server (5xx, malformed listing). */
export class HubResponseError extends HubError {
  override name = 'HubResponseError';
  constructor(
    message: string,
    repo: string,
    readonly status: number,
  ) {
    super(message, repo);
  }
}

/** True for the error `fetch` and streams raise when an `AbortSignal` fires. */
export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError';
}

/** The fields of any hub error, as plain data for the wire. */
export interface HubErrorFields {
  repo: string;
  status?: number;
  gated?: boolean;
  otherWeights?: string[];
  neededBytes?: number;
  availableBytes?: number | null;
  file?: string | null;
  bytesDone?: number;
  resumable?: boolean;
}

/** The wire fields of `e`. */
export function hubErrorFields(e: HubError): HubErrorFields {
  const fields: HubErrorFields = { repo: e.repo };
  if (e instanceof HubAccessError) Object.assign(fields, { status: e.status, gated: e.gated });
  if (e instanceof HubResponseError) fields.status = e.status;
  if (e instanceof HubNoSafetensorsError) fields.otherWeights = e.otherWeights;
  if (e instanceof HubStorageError)
    Object.assign(fields, { neededBytes: e.neededBytes, availableBytes: e.availableBytes });
  if (e instanceof HubNetworkError)
    Object.assign(fields, { file: e.file, bytesDone: e.bytesDone, resumable: e.resumable });
  return fields;
}

/** Rebuilds the hub error called `name`; null when `name` is not one. */
export function hubErrorFromFields(name: string, message: string, f: HubErrorFields): HubError | null {
  switch (name) {
    case 'HubError':
      return new HubError(message, f.repo);
    case 'HubRepoNotFoundError':
      return new HubRepoNotFoundError(message, f.repo);
    case 'HubRevisionNotFoundError':
      return new HubRevisionNotFoundError(message, f.repo);
    case 'HubAccessError':
      return new HubAccessError(message, f.repo, f.status ?? 0, f.gated ?? false);
    case 'HubNoSafetensorsError':
      return new HubNoSafetensorsError(message, f.repo, f.otherWeights ?? []);
    case 'HubUnsupportedArchitectureError':
      return new HubUnsupportedArchitectureError(message, f.repo);
    case 'HubStorageError':
      return new HubStorageError(message, f.repo, f.neededBytes ?? 0, f.availableBytes ?? null);
    case 'HubNetworkError':
      return new HubNetworkError(message, f.repo, f.file ?? null, f.bytesDone ?? 0, f.resumable ?? false);
    case 'HubResponseError':
      return new HubResponseError(message, f.repo, f.status ?? 0);
    default:
      return null;
  }
}
