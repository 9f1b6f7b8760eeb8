/**
 * Markdown rendering of results, targets and comparisons: what `npm run bench` prints and what the README
 * quotes. Pure string functions so they are unit-tested and shared by the browser and Node runners.
 */
import type { Comparison } from './compare';
import type { TargetCheck } from './targets';
import { SUITE_NAMES, type BenchResult, type Figure } from './types';

const SUITE_TITLES: Record<(typeof SUITE_NAMES)[number], string> = {
  peak: '1. Backend peak (fp32 tf.matMul)',
  kernels: '2. Kernels (dequant-matmul vs tfjs fp32 matMul)',
  train: '3. Training (LoRA train step)',
  generate: '4. Generation',
  memory: '5. Memory',
  data: '6. Data (parse + tokenize)',
  'wasm-matmul': '7. wasm matMul override (tfjs kernel before, ours after)',
  sizes: '8. Real model sizes (published shapes, random weights)',
  peers: '9. Peers (ours vs llama.cpp and PyTorch, one thread each, interleaved)',
  'peers-decode': '9a. Peers: decode (ours vs llama.cpp, one thread each, interleaved)',
  'peers-train': '9b. Peers: LoRA step (ours vs PyTorch, one thread each, interleaved)',
  'peers-threads': '9c. Peers on 2 threads ÷ 1 (PyTorch, llama.cpp; alternated run by run)',
};

/** 3 significant digits, without exponent for everyday magnitudes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 0.01) return Number(v.toPrecision(3)).toString();
  return v.toExponential(2);
}

/** Bytes as B / KiB / MiB / GiB with 3 significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${formatNumber(v)} ${units[i]}`;
}

/** A value in its unit as a reader expects it (bytes scaled, ratios with ×, percentages with %). */
export function formatValue(v: number, unit: string): string {
  if (unit === 'B') return formatBytes(v);
  if (unit === '×') return `${formatNumber(v)}×`;
  if (unit === '%') return `${formatNumber(v)}%`;
  return `${formatNumber(v)} ${unit}`;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A markdown table from a header and rows. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function figureRow(f: Figure, check: TargetCheck | undefined): string[] {
  const spread = f.runs > 1 ? `${formatValue(f.min, f.unit)} – ${formatValue(f.max, f.unit)}` : '';
  const target = check
    ? `target ${check.comparator} ${formatValue(check.threshold, check.unit)}: ${targetMark(check.pass)}`
    : '';
  const note = [f.note ?? '', target].filter(Boolean).join('; ');
  return [f.label, formatValue(f.median, f.unit), spread, String(f.runs), note];
}

function targetMark(pass: boolean | null): string {
  if (pass === null) return '—';
  return pass ? 'PASS' : 'FAIL';
}

/** The targets table: one row per checked figure, PASS / FAIL / — (not measured or not applicable). */
export function renderTargets(checks: readonly TargetCheck[]): string {
  const rows = checks.map((c) => [
    c.target,
    c.figureKey,
    c.value === null ? 'not measured' : formatValue(c.value, c.unit),
    `${c.comparator} ${formatValue(c.threshold, c.unit)}`,
    targetMark(c.pass),
    c.note ?? '',
  ]);
  return markdownTable(['target', 'figure', 'measured', 'goal', 'result', 'note'], rows);
}

const KERNEL_RATIO = /^kernels\/(\w+)\/(\d+x\d+)\/M(\d+)\/(forward|input-grad)\/vs-f32$/;

/**
 * The kernel ratios at a glance: one row per shape × M, one column per mode × direction, each cell the median
 * speed of our kernel over the best tfjs fp32 matMul (≥ 1× = faster). Empty when no ratio was measured.
 */
export function renderKernelMatrix(figures: readonly Figure[]): string {
  const cells = new Map<string, Map<string, number>>();
  const columns: string[] = [];
  for (const f of figures) {
    const m = KERNEL_RATIO.exec(f.key);
    if (!m) continue;
    const [, mode, shape, rows, dir] = m;
    const row = `${shape} M=${rows}`;
    const col = `${mode} ${dir === 'forward' ? 'fwd' : 'dx'}`;
    if (!columns.includes(col)) columns.push(col);
    if (!cells.has(row)) cells.set(row, new Map());
    cells.get(row)!.set(col, f.median);
  }
  if (cells.size === 0) return '';
  const rows = [...cells].map(([row, byCol]) => [
    row,
    ...columns.map((c) => (byCol.has(c) ? `${formatNumber(byCol.get(c)!)}×` : '')),
  ]);
  return markdownTable(['in×out, rows', ...columns], rows);
}

/** The whole report of one run: device header, one table per suite, the targets, and what was skipped. */
export function renderResult(result: BenchResult, checks: readonly TargetCheck[]): string {
  const d = result.device;
  const out: string[] = [
    `## Bench ${result.date} — backend ${result.backend}, model ${result.model}${result.quick ? ', --quick' : ''}`,
    '',
    `Device: ${d.label} (${d.host}; ${d.hardwareConcurrency} logical cores; crossOriginIsolated ${d.crossOriginIsolated})`,
    `Figures: median of the timed runs after warm-up; spread = min – max over those runs.`,
  ];
  for (const suite of SUITE_NAMES) {
    const figs = result.figures.filter((f) => f.suite === suite);
    if (figs.length === 0) continue;
    out.push('', `### ${SUITE_TITLES[suite]}`, '');
    const matrix = suite === 'kernels' ? renderKernelMatrix(figs) : '';
    if (matrix) out.push('Speed relative to the best tfjs fp32 matMul (fwd = y = x·Wᵀ, dx = dy·W):', '', matrix, '');
    const byKey = new Map(checks.map((c) => [c.figureKey, c]));
    out.push(
      markdownTable(
        ['figure', 'median', 'min – max', 'runs', 'note'],
        figs.map((f) => figureRow(f, byKey.get(f.key))),
      ),
    );
  }
  out.push('', '### Targets', '', renderTargets(checks));
  if (result.skipped.length > 0) {
    out.push('', '### Not measured', '');
    for (const s of result.skipped) out.push(`- ${s.suite}: ${s.what} — ${s.reason}`);
  }
  out.push('', `Total bench time: ${formatNumber(result.durationMs / 1000)} s`);
  return out.join('\n');
}

/** The `--compare` report: B relative to A, improvement > 1 = B better. */
export function renderComparison(cmp: Comparison, nameA: string, nameB: string): string {
  const rows = cmp.matched.map((m) => [
    m.label,
    formatValue(m.a, m.unit),
    formatValue(m.b, m.unit),
    `${formatNumber(m.ratio)}×`,
    `${formatNumber(m.improvement)}×`,
    m.significant ? (m.improvement >= 1 ? 'better' : 'worse') : 'within noise',
  ]);
  const out = [
    `## Compare A = ${nameA}  vs  B = ${nameB}`,
    '',
    'ratio = B / A; improvement > 1× means B is better (for ms and bytes it is A / B). "within noise" = the',
    'min–max spreads of A and B overlap.',
    '',
    markdownTable(['figure', 'A', 'B', 'B / A', 'improvement', 'verdict'], rows),
  ];
  if (cmp.onlyInA.length > 0) out.push('', `Only in A: ${cmp.onlyInA.join(', ')}`);
  if (cmp.onlyInB.length > 0) out.push('', `Only in B: ${cmp.onlyInB.join(', ')}`);
  return out.join('\n');
}
