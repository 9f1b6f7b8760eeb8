/**
 * Checks on the names that become cache paths: repo ids, revisions and file names. Every one of them is joined
 * into a folder path somewhere (the folder cache, the CLI's `models/` links), so `..`, `.` or a separator in any
 * of them could reach outside its folder — `hub rm a/b --revision ..` once deleted the whole `models` folder.
 * One check per kind of name, one wording, used by every hub path.
 */
import { HubError } from '../spec/hub-errors';

/** True when `s` is a plain path segment: non-empty, not `.`/`..`, no separator, no control character. */
export function isPlainSegment(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return s.length > 0 && s.length <= 255 && s !== '.' && s !== '..' && !/[/\\\u0000-\u001f]/.test(s);
}

/** Throws unless `revision` is a plain branch, tag or commit name that is safe as one folder name. */
export function checkRevision(revision: string, repo: string): string {
  if (!isPlainSegment(revision)) {
    throw new HubError(
      `revision '${printable(revision)}' is not allowed: a revision must be a branch, tag or commit ` +
        "name without '/', '\\', and not '.' or '..'",
      repo,
    );
  }
  return revision;
}

/** True when `repo` is `name` or `owner/name` with plain parts: safe as cache folder names. */
export function isRepoId(repo: string): boolean {
  const parts = repo.split('/');
  return parts.length <= 2 && parts.every(isPlainSegment);
}

/** A part of a repo id as the Hub spells one: a letter or digit, then letters, digits, `_`, `.` or `-`. */
const HUB_PART = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * True when `repo` is `owner/name` spelled as the Hub spells ids. Stricter than {@link isRepoId}: the hand-off job
 * writes the id into a shell script and Python source, where quotes, `$` or spaces would change what runs.
 */
export function isHubId(repo: string): boolean {
  const parts = repo.split('/');
  return parts.length === 2 && isRepoId(repo) && parts.every((p) => HUB_PART.test(p));
}

/** Throws unless `repo` is `name` or `owner/name` with two plain parts. */
export function checkRepoId(repo: string): string {
  if (!isRepoId(repo)) {
    throw new HubError(
      `'${printable(repo)}' is not a model id; expected owner/name, e.g. HuggingFaceTB/SmolLM2-135M`,
      repo,
    );
  }
  return repo;
}

/** Throws unless `file` is a relative path of plain segments (a repo file such as `model.safetensors`). */
export function checkRepoFilePath(file: string, repo: string): string {
  if (!file.split('/').every(isPlainSegment)) {
    throw new HubError(`${repo}: file name '${printable(file)}' is not a plain path inside the repo`, repo);
  }
  return file;
}

/** Control characters shown escaped, so a hostile name cannot rewrite the terminal line. */
function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1).slice(0, 200);
}
