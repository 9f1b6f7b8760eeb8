import { useMemo } from 'react';
import type uPlot from 'uplot';
import { useStudio } from '../../store';
import { metricColumns } from './chart-data';
import { cssVar, themedAxes, useDocumentTheme, useUplot } from './use-uplot';

const LABELS = { lr: 'Learning rate', tokensPerSec: 'Tokens / s' } as const;

/** A small chart of one per-step metric on its own axis (learning rate, tokens/s). */
export function SmallChart({ metric }: { metric: 'lr' | 'tokensPerSec' }) {
  const series = useStudio((s) => s.train.series);
  const version = useStudio((s) => s.train.seriesVersion);
  const theme = useDocumentTheme();
  const opts = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const values: uPlot.Axis['values'] = (_u, ticks) => ticks.map((v) => (metric === 'lr' ? v.toExponential(1) : Math.round(v).toLocaleString('en-US')));
    return {
      scales: { x: { time: false } },
      series: [{ label: 'step' }, { label: LABELS[metric], stroke: cssVar(metric === 'lr' ? '--ok' : '--muted'), width: 1.5 }],
      axes: themedAxes(LABELS[metric], values),
      legend: { show: false },
    };
  }, [metric, theme]);
  const ref = useUplot(opts, () => metricColumns(series, metric), version, 140);
  const last = series.length > 0 ? series[metric][series.length - 1] : null;
  const text = last === null ? '–' : metric === 'lr' ? last.toExponential(2) : Math.round(last).toLocaleString('en-US');
  return (
    <div className="card chart-card small-chart">
      <h3>
        {LABELS[metric]} <span className="muted mono">{text}</span>
      </h3>
      <div ref={ref} className="chart" role="img" aria-label={`${LABELS[metric]} chart, latest ${text}`} data-testid={`chart-${metric}`} />
    </div>
  );
}
