import { expect } from 'vitest';
import { captureOutput } from './run-cli';

/** Runs a CLI command in-process, expects exit code 0, and returns what it wrote to stdout. */
export async function capture(run: () => Promise<number>): Promise<string> {
  const { code, out } = await captureOutput(run);
  expect(code).toBe(0);
  return out;
}
