/**
 * uPlot in React: the chart is created when its options change (log scale, theme) and otherwise only gets
 * `setData` — at most once per animation frame however fast steps arrive — so 10 000+ points stay smooth.
 */
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** The resolved theme (`<html data-theme>`), followed live so charts can pick their colours from CSS variables. */
export function useDocumentTheme(): string {
  const read = () => document.documentElement.dataset.theme ?? 'light';
  const [theme, setTheme] = useState(read);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(read()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

/** A CSS custom property of the document (theme colours). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** Step axis tick spacings: whole steps only. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];

/** Axis styling in the current theme. */
export function themedAxes(yLabel: string, yValues?: uPlot.Axis['values']): uPlot.Axis[] {
  const stroke = cssVar('--muted');
  const grid = { stroke: cssVar('--border'), width: 1 };
  return [
    { stroke, grid, ticks: grid, label: 'step', labelSize: 18, incrs: STEP_INCRS },
    { stroke, grid, ticks: grid, label: yLabel, labelSize: 18, size: 64, ...(yValues ? { values: yValues } : {}) },
  ];
}

/** With no cursor on the plot, the legend shows the last point's values. */
function showLastWhenIdle(u: uPlot): void {
  const n = u.data[0]?.length ?? 0;
  if (u.cursor.idx == null && n > 0) u.setLegend({ idx: n - 1 });
}

/** Mounts a uPlot chart in the returned ref's element; `data()` is read again whenever `dataKey` changes. */
export function useUplot(
  opts: Omit<uPlot.Options, 'width' | 'height'>,
  data: () => uPlot.AlignedData,
  dataKey: string | number,
  height: number,
) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    // The legend shows the hovered step, or the last one when the cursor is off the plot (not "--").
    const hooks: uPlot.Hooks.Arrays = {
      ...opts.hooks,
      setCursor: [...(opts.hooks?.setCursor ?? []), showLastWhenIdle],
    };
    const u = new uPlot({ ...opts, hooks, width: Math.max(200, el.clientWidth), height }, dataRef.current(), el);
    showLastWhenIdle(u);
    plot.current = u;
    const observer = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [opts, height]);
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const u = plot.current;
      if (!u) return;
      u.setData(dataRef.current());
      showLastWhenIdle(u);
    });
    return () => cancelAnimationFrame(frame);
  }, [dataKey]);
  return ref;
}
