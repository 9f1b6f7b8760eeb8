/**
 * Memory measured against the estimate (issue 12 item 3), one row per model × quant × sequence length on one
 * backend: each row runs the real CLI in a fresh process on a real-shape checkpoint (scripts/real-shapes) —
 * `train` for one step (batch 1, LoRA r16 all-linear, the default checkpointing) and `generate` for 4 tokens —
 * and reads their measured peaks (train's summary line, generate's --stats memory line). A fresh process per row
 * matters on wasm, whose heap only grows.
 *
 *   npx tsx scripts/memory-table.ts --backend wasm --models smollm2-135m --quants int8,int4,nf4 --seqs 256,512
 *     [--no-checkpointing] [--no-generate] [--gpu system] [--out bench/results/memory-wasm.json]
 *
 * Prints one JSON line per row and, at the end, the Markdown table the README carries.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { ensureRealShapes } from './real-shapes/real-shapes';

interface Row {
  model: string;
  quant: string;
  seq: number;
  backend: string;
  checkpointing: boolean;
  estimateBytes: number;
  peakBytes: number;
  ratio: number;
  loss: number;
  stepSeconds: number;
  /** The exact train command line the row ran, and the machine's load while it ran (shared cores). */
  command: string;
  loadAverage: number[];
  train: Record<string, unknown>;
  generate: Record<string, unknown> | null;
}

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

/** Text rows long enough to fill `seq` tokens with every position a label (the estimate's default). */
function writeData(dir: string): string {
  const words =
    'the ship sailed over the grey sea while whales rose and the captain watched from the deck at dawn'.split(' ');
  const rows = Array.from({ length: 4 }, (_, r) => ({
    text: Array.from({ length: 1500 }, (_, i) => `${words[(i * 7 + r) % words.length]}${(i * 13 + r) % 97}`).join(' '),
  }));
  const file = path.join(dir, 'long.jsonl');
  writeFileSync(file, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  return file;
}

function cli(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const lastJson = (text: string): Record<string, unknown> =>
  JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>;

function measureRow(o: {
  model: string;
  dir: string;
  quant: string;
  seq: number;
  backend: string;
  checkpointing: boolean;
  data: string;
  extra: string[];
  generate: boolean;
}): Row {
  const common = ['--model', o.dir, '--quant', o.quant, '--backend', o.backend, ...o.extra];
  const out = mkdtempSync(path.join(tmpdir(), 'memory-table-'));
  const trainArgs = [
    'train',
    ...common,
    '--data',
    o.data,
    '--out',
    out,
    '--steps',
    '1',
    '--batch',
    '1',
    '--seq-len',
    String(o.seq),
    '--rank',
    '16',
    '--alpha',
    '32',
    ...(o.checkpointing ? [] : ['--no-checkpointing']),
  ];
  const t = cli(trainArgs);
  if (t.status !== 0)
    throw new Error(`train ${o.model} ${o.quant} ${o.seq} failed (${t.status}):\n${t.stderr.slice(-2000)}`);
  const lines = t.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const step = lines[0];
  const summary = lines.at(-1)!;
  const g = o.generate
    ? cli(['generate', ...common, '--prompt', 'The ship sailed', '--max-new-tokens', '4', '--stats'])
    : null;
  const generate = g?.status === 0 ? lastJson(g.stderr) : null;
  return {
    model: o.model,
    quant: o.quant,
    seq: o.seq,
    backend: o.backend,
    checkpointing: o.checkpointing,
    estimateBytes: summary.estimateBytes as number,
    peakBytes: summary.peakBytes as number,
    ratio: summary.ratio as number,
    loss: step.loss as number,
    stepSeconds: (step.elapsedMs as number) / 1000,
    command: ['npx', 'tsx', 'src/cli/main.ts', ...trainArgs].join(' '),
    loadAverage: loadavg().map((x) => +x.toFixed(2)),
    train: summary,
    generate,
  };
}

const mib = (b: number | null | undefined) => (typeof b === 'number' ? `${Math.round(b / 2 ** 20)}` : '—');

/** The README table: estimate against measured peak, per row. */
export function markdownTable(rows: readonly Row[]): string {
  const head =
    '| model | backend | quant | seq | estimate (MiB) | measured peak (MiB) | measured ÷ estimate | tensors peak | JS heap | generation peak / est. |';
  const lines = rows.map((r) => {
    const g = r.generate;
    const gen = g ? `${mib(g.peakBytes as number)} / ${mib(g.estimateBytes as number)}` : '—';
    return `| ${r.model} | ${r.backend}${r.checkpointing ? '' : ' (no ckpt)'} | ${r.quant} | ${r.seq} | ${mib(r.estimateBytes)} | ${mib(r.peakBytes)} | ${r.ratio.toFixed(2)} | ${mib(r.train.tensorPeakBytes as number)} | ${mib(r.train.jsHeapBytes as number)} | ${gen} |`;
  });
  return [head, '|---|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const backend = arg(argv, 'backend', 'wasm');
  const models = arg(argv, 'models', 'smollm2-135m').split(',');
  const quants = arg(argv, 'quants', 'int8,int4,nf4').split(',');
  const seqs = arg(argv, 'seqs', '256,512').split(',').map(Number);
  const checkpointing = !argv.includes('--no-checkpointing');
  // Generation reloads the base (minutes at 0.5B+ on wasm): skip it where that row is already measured.
  const generate = !argv.includes('--no-generate');
  const extra = argv.includes('--gpu') ? ['--gpu', arg(argv, 'gpu', 'swiftshader')] : [];
  const outFile = arg(argv, 'out', '');
  const data = writeData(mkdtempSync(path.join(tmpdir(), 'memory-data-')));
  const rows: Row[] = [];
  for (const model of models) {
    const dir = await ensureRealShapes(model);
    for (const quant of quants) {
      for (const seq of seqs) {
        const row = measureRow({ model, dir, quant, seq, backend, checkpointing, data, extra, generate });
        rows.push(row);
        process.stdout.write(JSON.stringify(row) + '\n');
        if (outFile) {
          mkdirSync(path.dirname(outFile), { recursive: true });
          writeFileSync(outFile, JSON.stringify(rows, null, 1) + '\n');
        }
      }
    }
  }
  process.stdout.write('\n' + markdownTable(rows) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
