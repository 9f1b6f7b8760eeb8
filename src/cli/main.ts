/**
 * `npm run -s cli -- <command> [args]`: engine commands in Node, no browser. The registry and the error path
 * live in `cli.ts` (add one line per command there).
 *
 * Relaxed SIMD first, before any wasm is compiled: Node 20 has it behind a V8 flag that Chromium (114+) does not
 * need, and without it our kernels run their plain-SIMD build, whose int4 generation takes x as 16-bit integers
 * (decode ~1.2× and int8 prefill ~2× slower at SmolLM2-135M shapes, bench `peers`). With it the CLI runs the
 * kernels the studio runs in the browser. Process-wide, so here and not in `runCli` (tests call that in-process).
 */
import { enableRelaxedSimd } from '../quant/kernels/wasm/relaxed-simd.node.js';
import { runCli } from './cli';

enableRelaxedSimd();
runCli(process.argv.slice(2)).then((code) => process.exit(code));
