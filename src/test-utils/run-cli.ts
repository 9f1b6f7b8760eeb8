/** Runs a CLI command in-process for tests, capturing what it writes to stdout and stderr. */
import { vi } from 'vitest';
import type { CliCommand } from '../cli/command';

/** What a command run returned and wrote. */
export interface CommandOutput {
  code: number;
  out: string;
  err: string;
}

/** Runs `run`, capturing stdout and stderr; both are restored after, also when it throws. */
export async function captureOutput(run: () => Promise<number>): Promise<CommandOutput> {
  let out = '';
  let err = '';
  const so = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const se = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { code: await run(), out, err };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

/** Runs one CLI command with `args`, capturing its output. */
export function runCommand(command: CliCommand, args: string[]): Promise<CommandOutput> {
  return captureOutput(() => command.run(args));
}
