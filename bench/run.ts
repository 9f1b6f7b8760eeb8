/**
 * `npm run bench`: runs the suites (headless Chromium by default, or Node with --node), writes
 * bench/results/<date>-<backend>.json, and prints a markdown table with the targets; or, with
 * `--compare A.json B.json`, prints B relative to A.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, USAGE, type BenchCommand } from './core/args';
import { compareResults } from './core/compare';
import type { BenchEvent } from './core/protocol';
import { renderComparison, renderResult, formatValue } from './core/table';
import { evaluateTargets } from './core/targets';
import type { BenchOptions, BenchResult, RealShapeRef } from './core/types';
import { defaultSizes } from './core/args';
import { ensureRealShapes } from '../scripts/real-shapes/real-shapes';
import { runInBrowser } from './runner/browser.node.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));

function readResult(file: string): BenchResult {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
  if (parsed.schema !== 1 || !Array.isArray(parsed.figures)) throw new Error(`${file}: not a bench result file`);
  return parsed;
}

/** Figures seen so far, so a run that dies (page crash, out of memory) still leaves what it measured. */
class PartialResult {
  private device: BenchResult['device'] | null = null;
  private readonly figures: BenchResult['figures'] = [];
  private readonly skipped: BenchResult['skipped'] = [];
  private readonly started = Date.now();

  constructor(
    private readonly opts: { backend: BenchResult['backend']; model: BenchResult['model']; quick: boolean },
  ) {}

  see(ev: BenchEvent): void {
    if (ev.kind === 'device') this.device = ev.device;
    if (ev.kind === 'figure') this.figures.push(ev.figure);
    if (ev.kind === 'skipped') this.skipped.push(ev.skipped);
  }

  /** The result so far with the failure recorded, or null when nothing was measured. */
  finish(error: Error): BenchResult | null {
    if (!this.device || this.figures.length === 0) return null;
    const skipped = [
      ...this.skipped,
      {
        suite: this.figures[this.figures.length - 1].suite,
        what: 'rest of the run',
        reason: `run aborted: ${error.message.split('\n')[0]}`,
      },
    ];
    const date = new Date(this.started).toISOString();
    return {
      schema: 1,
      date,
      ...this.opts,
      device: this.device,
      figures: this.figures,
      skipped,
      durationMs: Date.now() - this.started,
    };
  }
}

function progress(ev: BenchEvent): void {
  if (ev.kind === 'log') console.error(`  ${ev.message}`);
  if (ev.kind === 'figure') console.error(`  ${ev.figure.label}: ${formatValue(ev.figure.median, ev.figure.unit)}`);
  if (ev.kind === 'skipped')
    console.error(`  not measured: ${ev.skipped.suite} ${ev.skipped.what} — ${ev.skipped.reason}`);
}

function defaultOut(result: BenchResult): string {
  const day = result.date.slice(0, 10);
  const suffix = [
    result.backend,
    result.model,
    result.quick ? 'quick' : '',
    result.device.host === 'node' ? 'node' : '',
  ]
    .filter(Boolean)
    .join('-');
  return path.join(benchDir, 'results', `${day}-${suffix}.json`);
}

async function run(cmd: Extract<BenchCommand, { kind: 'run' }>): Promise<void> {
  const opts: BenchOptions = { backend: cmd.backend, model: cmd.model, quick: cmd.quick, suites: cmd.suites };
  if (cmd.threads !== null) opts.threads = cmd.threads;
  if (cmd.threadPool !== null) opts.threadPool = cmd.threadPool;
  opts.simd = cmd.simd;
  if (cmd.suites.includes('sizes')) opts.realShapes = await realShapeRefs(cmd.sizes ?? defaultSizes(cmd.quick));
  console.error(
    `bench: backend ${opts.backend}, model ${opts.model}${opts.quick ? ', quick' : ''}, ${cmd.node ? 'Node' : 'headless Chromium'}`,
  );
  const partial = new PartialResult(opts);
  const onEvent = (ev: BenchEvent) => {
    partial.see(ev);
    progress(ev);
  };
  let result: BenchResult;
  try {
    result = cmd.node
      ? await (await import('./runner/node-host.node.js')).runInNode(opts, onEvent)
      : await runInBrowser(opts, onEvent, cmd.verbose);
  } catch (e) {
    const saved = partial.finish(e as Error);
    if (saved) save(saved, cmd.out);
    throw e;
  }
  save(result, cmd.out);
}

/** Writes (or reuses) the generated checkpoints of the `sizes` suite; seconds per model, cached in .cache. */
async function realShapeRefs(names: readonly string[]): Promise<RealShapeRef[]> {
  const refs: RealShapeRef[] = [];
  for (const name of names) {
    const dir = await ensureRealShapes(name);
    refs.push({ name, dir, files: fs.readdirSync(dir).filter((f) => !f.startsWith('.')) });
  }
  return refs;
}

/** Writes the JSON and its markdown report, and prints the report. */
function save(result: BenchResult, outArg: string | null): void {
  const out = outArg ?? defaultOut(result);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  const report = renderResult(result, evaluateTargets(result));
  const mdOut = out.replace(/\.json$/, '') + '.md';
  fs.writeFileSync(mdOut, report + '\n');
  console.log(report);
  console.error(`\nwrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), mdOut)}`);
}

async function main(): Promise<void> {
  let cmd: BenchCommand;
  try {
    cmd = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (cmd.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (cmd.kind === 'show') {
    const result = readResult(cmd.file);
    console.log(renderResult(result, evaluateTargets(result)));
    return;
  }
  if (cmd.kind === 'compare') {
    const [a, b] = [readResult(cmd.a), readResult(cmd.b)];
    console.log(renderComparison(compareResults(a, b), cmd.a, cmd.b));
    console.log(`\nA: ${a.backend}, ${a.model}${a.quick ? ', quick' : ''} on ${a.device.label}`);
    console.log(`B: ${b.backend}, ${b.model}${b.quick ? ', quick' : ''} on ${b.device.label}`);
    if (a.device.label !== b.device.label || a.model !== b.model || a.quick !== b.quick) {
      console.log('Note: the runs differ in device, model or --quick; ratios compare different set-ups.');
    }
    return;
  }
  await run(cmd);
}

main().catch((e: Error) => {
  console.error(`bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
