/**
 * The `--dump-tokens` format, one JSON line per scored example: `{"ids": [...], "lossMask": [0|1, ...]}`, where
 * `lossMask[t] = 1` means token t is predicted from positions < t and counts in the loss. The same file read back
 * as `--data` is a pre-tokenized dataset; ids outside the model's vocabulary mean another tokenizer made it.
 */
import { readFile } from 'node:fs/promises';
import type { TokenizedExample } from '../data/types';
import { EvalInputError } from './errors';

/** The dump of `examples` as JSONL text. */
export function tokenDumpLines(examples: readonly TokenizedExample[]): string {
  return examples
    .map((e) => JSON.stringify({ ids: Array.from(e.ids), lossMask: Array.from(e.lossMask) }) + '\n')
    .join('');
}

/** Parses `file` as a token dump, or null when it is not one (a raw dataset). Throws for ids a `vocab` model lacks. */
export async function readTokenDump(file: string, vocab: number): Promise<TokenizedExample[] | null> {
  if (!/\.jsonl$/i.test(file)) return null;
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const first = lines.length ? (safeParse(lines[0]) as Record<string, unknown> | null) : null;
  if (!first || !Array.isArray(first.ids) || !Array.isArray(first.lossMask)) return null;
  return lines.map((line, i) => {
    const rec = safeParse(line) as { ids?: unknown; lossMask?: unknown } | null;
    const ids = rec?.ids;
    const mask = rec?.lossMask;
    if (!Array.isArray(ids) || !Array.isArray(mask) || ids.length !== mask.length || !ids.every(Number.isInteger)) {
      throw new EvalInputError(
        `${file}:${i + 1}: a pre-tokenized line needs "ids" and "lossMask" arrays of the same length`,
      );
    }
    const bad = (ids as number[]).find((id) => id < 0 || id >= vocab);
    if (bad !== undefined) {
      throw new EvalInputError(
        `${file}:${i + 1}: token id ${bad} is outside this model's vocabulary (${vocab}): the data was prepared with another tokenizer; prepare it again for this model`,
      );
    }
    return { ids: Int32Array.from(ids as number[]), lossMask: Uint8Array.from(mask as number[], (m) => (m ? 1 : 0)) };
  });
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return null;
  }
}
