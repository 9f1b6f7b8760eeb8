/** "Compare with": another stored run's loss beside the one the Train section shows. */
import type { RunRecord } from '../../src/spec/records';
import { getEngine } from '../engine';
import { useStudio } from './index';
import { MetricSeries } from './metric-series';

/** Stored runs with a curve, newest first (an empty list when the engine cannot say). */
export async function runsWithCurves(): Promise<RunRecord[]> {
  try {
    return (await getEngine().request('listRuns', {})).filter((r) => r.metrics.length > 0);
  } catch {
    return [];
  }
}

/** Draws `run`'s loss beside the shown one; null clears it. */
export function compareWith(run: RunRecord | null): void {
  if (!run) return useStudio.getState().patchTrain({ compare: null });
  const series = new MetricSeries();
  series.reset(run.metrics);
  useStudio.getState().patchTrain({ compare: { runId: run.id, name: run.name, series } });
}
