/**
 * "Export run report": one zip with what a run was and did, to keep or share beside the adapter: `report.md`
 * (settings, outcome, losses, samples), `metrics.csv` (every step's metrics) and each chart as a PNG.
 */
import type { TrainRunSpec } from '../../src/spec/run-spec';
import { zipFolder } from '../../src/formats/zip';
import { exactBuffer } from '../../src/util/exact-buffer';
import { fileStem } from '../../src/export/use-with';
import { saveBlob } from '../download';
import { formatDuration } from '../format';
import { csvCell } from './evaluate-export';
import { useStudio } from './index';
import type { MetricSeries } from './metric-series';
import type { SampleEntry, TrainRunView } from './train-slice';

/** The settings a run trained with, in one line. */
export function runSettingsText(spec: Pick<TrainRunSpec, 'lora' | 'train'>): string {
  const { lora, train } = spec;
  const length =
    train.steps !== null ? `${train.steps} steps` : `${train.epochs} epoch${train.epochs === 1 ? '' : 's'}`;
  const targets = lora.targets === 'all-linear' ? 'all linear layers' : lora.targets.join(', ');
  return [
    `rank ${lora.rank}, alpha ${lora.alpha}${lora.useRslora ? ' (rsLoRA)' : ''}, dropout ${lora.dropout}`,
    targets,
    `lr ${train.lr.toExponential(1)} ${train.schedule}, warmup ${train.warmupSteps}`,
    length,
    `batch ${train.batchSize}×${train.gradAccum}`,
    `${train.maxSeqLen} tokens`,
    `seed ${train.seed}`,
  ].join(' · ');
}

/** One row per step: step, loss, eval_loss, lr, grad_norm, tokens_per_sec (+ DPO/ORPO rewards when logged). */
export function metricsCsv(series: MetricSeries): string {
  const rewards = series.hasRewards;
  const header = ['step', 'loss', 'eval_loss', 'lr', 'grad_norm', 'tokens_per_sec'];
  if (rewards) header.push('rewards_margins', 'rewards_accuracies');
  const rows = series.step.map((step, i) => {
    const row: unknown[] = [
      step,
      series.loss[i],
      series.evalLoss[i],
      series.lr[i],
      series.gradNorm[i],
      series.tokensPerSec[i],
    ];
    if (rewards) row.push(series.margins[i], series.accuracies[i]);
    return row;
  });
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** What the report says about a run. */
export interface RunReportInput {
  name: string;
  spec: Pick<TrainRunSpec, 'lora' | 'train'> | null;
  run: Pick<TrainRunView, 'status' | 'step' | 'totalSteps' | 'elapsedMs' | 'message'> | null;
  series: MetricSeries;
  samples: readonly SampleEntry[];
  /** Chart PNG file names (as in the zip) → their title. */
  charts: Record<string, string>;
}

const num = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : '—');

/** `report.md`: settings, outcome, first/last/best losses, the charts and every sample by step. */
export function reportMarkdown(r: RunReportInput): string {
  const s = r.series;
  const evals = s.evalLoss.filter((v): v is number => v !== null);
  const lines = [`# Run report: ${r.name}`, ''];
  if (r.spec) lines.push(`**Settings:** ${runSettingsText(r.spec)}`, '');
  if (r.run) {
    lines.push(
      `**Outcome:** ${r.run.status}, step ${r.run.step} of ${r.run.totalSteps}` +
        (r.run.elapsedMs > 0 ? ` in ${formatDuration(r.run.elapsedMs)}` : '') +
        (r.run.message ? ` (${r.run.message})` : ''),
      '',
    );
  }
  lines.push(
    '| | first | last | best |',
    '| --- | --- | --- | --- |',
    `| train loss | ${num(s.loss[0])} | ${num(s.loss[s.length - 1])} | ${num(Math.min(...s.loss))} |`,
  );
  if (evals.length) lines.push(`| eval loss | ${num(evals[0])} | ${num(evals.at(-1))} | ${num(Math.min(...evals))} |`);
  lines.push('', `Every step's metrics: \`metrics.csv\` (${s.length} rows).`, '');
  for (const [file, title] of Object.entries(r.charts)) lines.push(`![${title}](${file})`, '');
  if (r.samples.length) {
    lines.push('## Samples', '');
    for (const x of r.samples)
      lines.push(`### Step ${x.step}, prompt ${x.index + 1}`, '', '```', x.prompt + x.text, '```', '');
  }
  return lines.join('\n');
}

/** Chart canvases on the Train section (uPlot draws one canvas per chart) → PNG bytes, by file name. */
async function chartPngs(): Promise<{ files: Record<string, Uint8Array>; titles: Record<string, string> }> {
  const files: Record<string, Uint8Array> = {};
  const titles: Record<string, string> = {};
  const charts = document.querySelectorAll<HTMLElement>('[data-testid="loss-chart"], [data-testid^="chart-"]');
  for (const chart of charts) {
    const canvas = chart.querySelector('canvas');
    if (!canvas) continue;
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) continue;
    const id = chart.dataset.testid === 'loss-chart' ? 'loss' : chart.dataset.testid!.slice('chart-'.length);
    files[`${id}.png`] = new Uint8Array(await blob.arrayBuffer());
    titles[`${id}.png`] = chart.getAttribute('aria-label') ?? id;
  }
  return { files, titles };
}

/** Downloads `<run>-report.zip` for the run the Train section shows (live, finished or a stored history). */
export async function exportRunReport(): Promise<void> {
  const t = useStudio.getState().train;
  const name = t.viewing?.name ?? t.run?.name ?? 'run';
  const spec = t.viewing ? t.viewing.spec : t.form;
  const pngs = await chartPngs();
  const input: RunReportInput = {
    name,
    spec,
    run: t.viewing ? null : t.run,
    series: t.series,
    samples: t.viewing ? [] : t.samples,
    charts: pngs.titles,
  };
  const folder = `${fileStem(name)}-report`;
  const zip = zipFolder(
    { 'report.md': reportMarkdown(input), 'metrics.csv': metricsCsv(t.series), ...pngs.files },
    folder,
  );
  saveBlob(new Blob([exactBuffer(zip)], { type: 'application/zip' }), `${folder}.zip`);
}
