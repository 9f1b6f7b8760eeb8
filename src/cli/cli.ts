/**
 * The CLI's command registry and its one error path: a user error (bad flag, bad file, bad config) prints one
 * line `error: …` and exits 1; anything else is a bug and prints its stack. `main.ts` only turns relaxed SIMD on and
 * calls {@link runCli}, so tests run the same path in-process.
 */
import { HubError } from '../spec/hub-errors';
import { CheckpointError } from '../model/checkpoint';
import { ModelConfigError } from '../model/config';
import { PeftFormatError } from '../formats/peft-config';
import { SafetensorsError } from '../formats/safetensors';
import { DatasetOptionsError } from '../data/options';
import { RenderError } from '../data/render';
import { ChatTemplateError } from '../tokenizer/chat-template';
import { InvalidRequestError, QuotaError } from '../spec/errors';
import { GgufExportError } from '../export/gguf-arch';
import { HandoffError } from '../handoff/handoff-job';
import { InputError } from '../spec/input-error';
import { CliError, type CliCommand } from './command';
import { dataCommand } from './commands/data';
import { envCommand } from './commands/env';
import { evalCommand } from './commands/eval';
import { exportCommand } from './commands/export';
import { exportJobCommand } from './commands/export-job';
import { generateCommand } from './commands/generate';
import { hubCommand } from './commands/hub';
import { inspectCommand } from './commands/inspect';
import { mergeCommand } from './commands/merge';
import { scoreCommand } from './commands/score';
import { trainCommand } from './commands/train';
import { quantCommand } from './commands/quant';

export const commands: Record<string, CliCommand> = {
  data: dataCommand,
  env: envCommand,
  eval: evalCommand,
  export: exportCommand,
  'export-job': exportJobCommand,
  generate: generateCommand,
  hub: hubCommand,
  inspect: inspectCommand,
  merge: mergeCommand,
  quant: quantCommand,
  score: scoreCommand,
  train: trainCommand,
};

/** Errors whose message is written for the user: what is wrong with which input, and what to do. */
const USER_ERRORS = [
  CliError,
  InputError,
  ModelConfigError,
  CheckpointError,
  SafetensorsError,
  PeftFormatError,
  DatasetOptionsError,
  RenderError,
  ChatTemplateError,
  HubError,
  InvalidRequestError,
  QuotaError,
  GgufExportError,
  HandoffError,
];

/** Node file-system failures caused by the path the user gave (Node's message names the path). */
const USER_FS_CODES = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EACCES',
  'EPERM',
  'EEXIST',
  'EROFS',
  'ENOSPC',
  'ENAMETOOLONG',
  'ELOOP',
]);

/** True when `e` is the user's to fix (one line, no stack); false for a bug. */
export function isUserError(e: unknown): boolean {
  if (USER_ERRORS.some((c) => e instanceof c)) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && USER_FS_CODES.has(code);
}

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  err(text: string): void;
}

const processIo: CliIo = { err: (t) => void process.stderr.write(t) };

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: npm run -s cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Runs one command line and returns the exit code; never throws. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.err(`unknown command '${name}'\n${help()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    // One line: a multi-line message (e.g. from a nested cause) is joined so the output stays one record.
    io.err(
      isUserError(e) ? `error: ${err.message.replace(/\s*\n\s*/g, ' ')}\n` : `error: ${err.stack ?? err.message}\n`,
    );
    return 1;
  }
}
