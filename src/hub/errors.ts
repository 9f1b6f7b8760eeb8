/**
 * Errors of the Hugging Face hub loader. Each says what went wrong and what the user can do about it; the
 * worker protocol carries them as `{ name, message, detail }`, so `name` is stable and `detail` is plain data.
 */

/** Base class: every hub failure is one of these (or an `AbortError` when the caller cancelled). */
export class HubError extends Error {
  override name = 'HubError';
  constructor(message: string, readonly repo: string) {
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
  constructor(message: string, repo: string, readonly status: number, readonly gated: boolean) {
    super(message, repo);
  }
}

/** The repo has no `.safetensors` weights (only `.bin`, `.gguf`, …), which this engine cannot read. */
export class HubNoSafetensorsError extends HubError {
  override name = 'HubNoSafetensorsError';
  constructor(message: string, repo: string, readonly otherWeights: string[]) {
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
  constructor(message: string, repo: string, readonly neededBytes: number, readonly availableBytes: number | null) {
    super(message, repo);
  }
}

/**
 * The connection failed or dropped mid-download. What arrived is kept in the cache, so calling the loader again
 * resumes with an HTTP Range request from `bytesDone`.
 */
export class HubNetworkError extends HubError {
  override name = 'HubNetworkError';
  constructor(message: string, repo: string, readonly file: string | null, readonly bytesDone: number,
    readonly resumable: boolean) {
    super(message, repo);
  }
}

/** Any other unexpected answer from the server (5xx, malformed listing). */
export class HubResponseError extends HubError {
  override name = 'HubResponseError';
  constructor(message: string, repo: string, readonly status: number) {
    super(message, repo);
  }
}

/** True for the error `fetch` and streams raise when an `AbortSignal` fires. */
export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError';
}
