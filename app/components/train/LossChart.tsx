import { useMemo } from 'react';
import type uPlot from 'uplot';
import { useStudio } from '../../store';
import { hasEval, lossColumns, lossColumnsWith, withAlpha } from './chart-data';
import { CompareRunPicker } from './CompareRunPicker';
import { cssVar, themedAxes, useDocumentTheme, useUplot } from './use-uplot';

/** Train loss (raw and smoothed) and eval loss over steps; smoothing slider and log-scale toggle. */
export function LossChart() {
  const series = useStudio((s) => s.train.series);
  const version = useStudio((s) => s.train.seriesVersion);
  const { smoothing, logScale } = useStudio((s) => s.train.chart);
  const compare = useStudio((s) => s.train.compare);
  const patchTrain = useStudio((s) => s.patchTrain);
  const theme = useDocumentTheme();
  const opts = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const accent = cssVar('--accent');
    const evalColor = cssVar('--warn');
    return {
      scales: { x: { time: false }, y: { distr: logScale ? 3 : 1 } },
      series: [
        { label: 'step' },
        // Canvas takes no color-mix(): the raw line is the accent at half opacity, visible in both themes.
        { label: 'train loss', stroke: withAlpha(accent, 0.5), width: 1.25 },
        { label: 'train loss (smoothed)', stroke: accent, width: 2 },
        {
          label: 'eval loss',
          stroke: evalColor,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 6, fill: evalColor },
        },
        ...(compare
          ? [{ label: `${compare.name} (smoothed)`, stroke: cssVar('--ok'), width: 2, dash: [6, 4], spanGaps: true }]
          : []),
      ],
      axes: themedAxes('loss'),
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
    };
  }, [logScale, theme, compare]);
  const ref = useUplot(
    opts,
    () =>
      compare ? lossColumnsWith(series, compare.series, smoothing, logScale) : lossColumns(series, smoothing, logScale),
    `${version}:${smoothing}:${compare?.runId ?? ''}`,
    280,
  );
  const range = series.lossRange();
  const summary = range
    ? `${series.length.toLocaleString('en-US')} steps · loss ${range.first.toFixed(3)} → ${range.last.toFixed(3)}${hasEval(series) ? ' · eval loss shown' : ''}`
    : 'No steps yet.';
  const comparing = compare ? ` · dashed: ${compare.name}` : '';
  return (
    <div className="card chart-card">
      <div className="chart-head">
        <h3>Loss</h3>
        <label className="chart-control">
          Smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => patchTrain({ chart: { smoothing: Number(e.target.value), logScale } })}
          />
          <span className="mono">{smoothing.toFixed(2)}</span>
        </label>
        <label className="chart-control">
          <input
            type="checkbox"
            checked={logScale}
            onChange={(e) => patchTrain({ chart: { smoothing, logScale: e.target.checked } })}
          />
          Log scale
        </label>
        <CompareRunPicker />
      </div>
      <p
        className="muted small"
        data-testid="loss-summary"
        data-points={series.length}
        data-first-loss={range?.first}
        data-last-loss={range?.last}
      >
        {summary}
        {comparing}
      </p>
      <div ref={ref} className="chart" role="img" aria-label={`Loss chart: ${summary}`} data-testid="loss-chart" />
    </div>
  );
}
