import { expect, vi } from 'vitest';

/** Runs a CLI command in-process, expects exit code 0, and returns what it wrote to stdout. */
export async function capture(run: () => Promise<number>): Promise<string> {
  let out = '';
  const so = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  try {
    expect(await run()).toBe(0);
  } finally {
    so.mockRestore();
  }
  return out;
}
