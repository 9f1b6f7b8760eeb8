/** One CLI sub-command: `npm run -s cli -- <name> [args]`. */
export interface CliCommand {
  /** One line for `help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Minimal `--flag value` / `--flag` parser; repeated flags collect into arrays. */
export function parseFlags(argv: string[]): { flags: Map<string, string[]>; positional: string[] } {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      let value: string;
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
      else value = 'true';
      const list = flags.get(name) ?? [];
      list.push(value);
      flags.set(name, list);
    } else {
      positional.push(a);
    }
  }
  return { flags, positional };
}

/** Last value of a flag, or `fallback`. */
export function flag(flags: Map<string, string[]>, name: string, fallback?: string): string | undefined {
  const v = flags.get(name);
  return v && v.length ? v[v.length - 1] : fallback;
}

/** The last value of `--name`; a `CliError` ("--name META is required") when it is missing, empty or bare. */
export function requiredFlag(flags: Map<string, string[]>, name: string, meta: string): string {
  const v = flag(flags, name);
  if (!v || v === 'true') throw new CliError(`--${name} ${meta} is required`);
  return v;
}

/** Error whose message is printed to stderr as-is (no stack): bad arguments, bad files. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Refuses a path with control characters: names end up in job files and Modelfiles, one directive a line. */
export function refuseControlChars(name: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new CliError(`--${name} must not contain a control character (newline, tab…); got ${JSON.stringify(value)}`);
}
