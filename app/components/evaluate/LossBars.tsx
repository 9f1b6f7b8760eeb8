import { useMemo } from 'react';
import uPlot from 'uplot';
import { useStudio } from '../../store';
import { cssVar, useDocumentTheme, useUplot } from '../train/use-uplot';

/** Loss per variant as bars, with the 95% interval ends as points above and below each bar's top. */
export function LossBars() {
  const r = useStudio((s) => s.evaluate.result);
  const theme = useDocumentTheme();
  const names = useMemo(() => r?.variants.map((v) => v.variant) ?? [], [r]);
  const opts = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const stroke = cssVar('--muted');
    const grid = { stroke: cssVar('--border'), width: 1 };
    const ci = { stroke: cssVar('--text'), width: 0, points: { show: true, size: 7, fill: cssVar('--text') } };
    return {
      scales: {
        x: { time: false, range: (_u, min, max) => [min - 0.6, max + 0.6] },
        y: { range: (_u, _min, max) => [0, max * 1.08] },
      },
      series: [
        { label: 'variant' },
        {
          label: 'loss',
          fill: cssVar('--accent'),
          stroke: cssVar('--accent'),
          paths: uPlot.paths.bars!({ size: [0.6, 90] }),
          points: { show: false },
        },
        { label: 'ci low', ...ci },
        { label: 'ci high', ...ci },
      ],
      axes: [
        {
          stroke,
          grid: { show: false },
          ticks: grid,
          incrs: [1],
          values: (_u, ticks) => ticks.map((t) => names[t] ?? ''),
        },
        { stroke, grid, ticks: grid, label: 'loss (nats / token)', labelSize: 18, size: 56 },
      ],
      legend: { show: false },
    };
  }, [names, theme]);
  const data = (): uPlot.AlignedData => [
    names.map((_, i) => i),
    r?.variants.map((v) => v.loss) ?? [],
    r?.variants.map((v) => v.ci95[0]) ?? [],
    r?.variants.map((v) => v.ci95[1]) ?? [],
  ];
  const ref = useUplot(opts, data, r ? r.millis : 0, 220);
  if (!r) return null;
  return (
    <div className="card chart-card">
      <h3>Loss by variant</h3>
      <div
        ref={ref}
        className="chart"
        role="img"
        aria-label={`Bar chart of loss: ${r.variants.map((v) => `${v.variant} ${v.loss.toFixed(3)}`).join(', ')}`}
        data-testid="eval-bars"
      />
    </div>
  );
}
