/** Runs a CLI command in-process for tests, capturing what it writes to stdout and stderr. */
import { vi } from 'vitest';
import type { CliCommand } from '../cli/command';

export async function runCommand(
  command: CliCommand,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const so = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const se = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { code: await command.run(args), out, err };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}
