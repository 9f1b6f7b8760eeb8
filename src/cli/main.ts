/**
 * `npm run -s cli -- <command> [args]`: engine commands in Node, no browser. The registry and the error path
 * live in `cli.ts` (add one line per command there).
 */
import { runCli } from './cli';

runCli(process.argv.slice(2)).then((code) => process.exit(code));
