import { useMemo } from 'react';
import type uPlot from 'uplot';
import { useStudio } from '../../store';
import { metricColumns, zeroBasedRange, type SmallMetric } from './chart-data';
import { cssVar, themedAxes, useDocumentTheme, useUplot } from './use-uplot';

const LABELS: Record<SmallMetric, string> = {
  lr: 'Learning rate',
  gradNorm: 'Gradient norm',
  tokensPerSec: 'Tokens / s',
  margins: 'Reward margin (chosen − rejected)',
  accuracies: 'Reward accuracy',
};
const COLORS: Record<SmallMetric, string> = {
  lr: '--ok',
  gradNorm: '--warn',
  tokensPerSec: '--muted',
  margins: '--accent',
  accuracies: '--ok',
};

/** Axis and headline text of a value. */
function format(metric: SmallMetric, v: number): string {
  if (metric === 'lr') return v.toExponential(2);
  if (metric === 'tokensPerSec') return Math.round(v).toLocaleString('en-US');
  if (metric === 'gradNorm') return v >= 100 ? v.toFixed(0) : v.toPrecision(2);
  return metric === 'accuracies' ? `${Math.round(v * 100)}%` : v.toFixed(3);
}

/**
 * A small chart of one per-step metric on its own axis from 0 (learning rate, gradient norm, tokens/s, DPO/ORPO
 * rewards).
 */
export function SmallChart({ metric }: { metric: SmallMetric }) {
  const series = useStudio((s) => s.train.series);
  const version = useStudio((s) => s.train.seriesVersion);
  const theme = useDocumentTheme();
  const opts = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const values: uPlot.Axis['values'] = (_u, ticks) =>
      ticks.map((v) => (metric === 'lr' ? v.toExponential(1) : format(metric, v)));
    return {
      scales: { x: { time: false }, y: { range: (_u, min, max) => zeroBasedRange(min, max) } },
      series: [{ label: 'step' }, { label: LABELS[metric], stroke: cssVar(COLORS[metric]), width: 1.5 }],
      axes: themedAxes(LABELS[metric], values),
      legend: { show: false },
    };
  }, [metric, theme]);
  const ref = useUplot(opts, () => metricColumns(series, metric), version, 140);
  const last = series.length > 0 ? series[metric][series.length - 1] : null;
  const text = last === null ? '–' : format(metric, last);
  return (
    <div className="card chart-card small-chart">
      <h3>
        {LABELS[metric]} <span className="muted mono">{text}</span>
      </h3>
      <div
        ref={ref}
        className="chart"
        role="img"
        aria-label={`${LABELS[metric]} chart, latest ${text}`}
        data-testid={`chart-${metric}`}
      />
    </div>
  );
}
