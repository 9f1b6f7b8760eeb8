/**
 * `npm run -s cli -- <command> [args]`: engine commands in Node, no browser. Each command lives in
 * `commands/`; this file is only the registry (add one line per command).
 */
import { CliError, type CliCommand } from './command';
import { dataCommand } from './commands/data';
import { envCommand } from './commands/env';
import { generateCommand } from './commands/generate';
import { hubCommand } from './commands/hub';
import { inspectCommand } from './commands/inspect';
import { mergeCommand } from './commands/merge';
import { scoreCommand } from './commands/score';
import { trainCommand } from './commands/train';
import { quantCommand } from './commands/quant';

const commands: Record<string, CliCommand> = {
  data: dataCommand,
  env: envCommand,
  generate: generateCommand,
  hub: hubCommand,
  inspect: inspectCommand,
  merge: mergeCommand,
  quant: quantCommand,
  score: scoreCommand,
  train: trainCommand,
};

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: npm run -s cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`unknown command '${name}'\n${help()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const err = e as Error;
    process.stderr.write(err instanceof CliError ? `error: ${err.message}\n` : `error: ${err.stack ?? err.message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
