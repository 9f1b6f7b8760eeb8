/**
 * The hostile-input harness (#13): each case builds its inputs in a fresh temp folder, runs one CLI command line
 * in-process through `runCli` (the same error path as `npm run cli`), and checks the exit code, the key words of
 * the message, that a user error is one line without a stack, and that nothing in the folder changed.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../cli/cli';
import { modelFixtureDir } from './model-fixtures.node.js';
import { captureOutput } from './run-cli';

/** One row of a hostile-input table. */
export interface HostileCase {
  name: string;
  /** Writes the inputs into `dir` (a fresh temp folder) and returns the command line, command name first. */
  setup(dir: string): string[] | Promise<string[]>;
  /** Words (or patterns) stderr must contain, case-insensitive for strings. */
  says: (string | RegExp)[];
  /** Words stderr must not contain (a banner, a doubled path). */
  never?: (string | RegExp)[];
  /** Expected exit code; default 1. A 0 row is a warning case: the command runs and stderr says the words. */
  code?: number;
  /** True when a failing command may still have printed records on stdout (training steps before a divergence). */
  stdoutOk?: boolean;
  /** `data check`: the command reports problems as its own `FILE:LINE` lines (report on stdout), not `error:`. */
  problemReport?: boolean;
  /** Paths (relative to `dir`) the command may create or change; everything else must stay byte-identical. */
  mayWrite?: string[];
}

/** What one run printed. */
export interface HostileResult {
  code: number;
  out: string;
  err: string;
  dir: string;
}

/** Relative path → size and sha1 of every file (and every folder) under `dir`. */
export function snapshot(dir: string, skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (skip.some((s) => rel === s || rel.startsWith(s + path.sep))) continue;
      if (e.isDirectory()) {
        out.set(rel + '/', 'dir');
        walk(p);
      } else {
        const bytes = readFileSync(p);
        out.set(rel, `${statSync(p).size}:${createHash('sha1').update(bytes).digest('hex')}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** Runs one case; the caller asserts on the result (see `expectHostile`). The temp folder is removed after. */
export async function runHostile(
  c: HostileCase,
  check: (r: HostileResult, before: Map<string, string>) => void,
): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  try {
    const argv = await c.setup(dir);
    const before = snapshot(dir, c.mayWrite);
    const { code, out, err } = await captureOutput(() => runCli(argv));
    check({ code, out, err, dir }, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of a committed model fixture in `dir/name`, for cases that corrupt one of its files. */
export function copyFixture(dir: string, fixture = 'llama-tied', name = 'model'): string {
  const to = path.join(dir, name);
  cpSync(modelFixtureDir(fixture as Parameters<typeof modelFixtureDir>[0]), to, { recursive: true });
  return to;
}

/** Reads, edits and rewrites a JSON file in place. */
export function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}

/** Runs `c` and checks the row: exit code, key words, one line without a stack, nothing written. */
export async function expectHostile(c: HostileCase): Promise<HostileResult> {
  let result: HostileResult | null = null;
  await runHostile(c, (r, before) => {
    result = r;
    const code = c.code ?? 1;
    expect(r.code, `exit code; stderr: ${r.err}`).toBe(code);
    for (const w of c.says) {
      if (typeof w === 'string') expect(r.err.toLowerCase(), 'stderr').toContain(w.toLowerCase());
      else expect(r.err, 'stderr').toMatch(w);
    }
    for (const w of c.never ?? [])
      expect(r.err).not.toMatch(typeof w === 'string' ? new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : w);
    expect(r.err, 'no stack trace for a user error').not.toMatch(/\n\s+at /);
    if (code !== 0) {
      if (!c.stdoutOk && !c.problemReport) expect(r.out, 'nothing on stdout').toBe('');
      if (!c.problemReport)
        expect(
          r.err
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('error:')),
          'one error line',
        ).toHaveLength(1);
    }
    expect(Object.fromEntries(snapshot(r.dir, c.mayWrite))).toEqual(Object.fromEntries(before));
  });
  return result!;
}

/** One test per case, named by the case, each run through {@link expectHostile}. Call inside a `describe`. */
export function itRejectsEach(cases: readonly HostileCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await expectHostile(c);
  });
}
