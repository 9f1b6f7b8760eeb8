import { useState } from 'react';
import type { RunRecord } from '../../../src/spec/records';
import { useStudio } from '../../store';
import { compareWith, runsWithCurves } from '../../store/compare-actions';

/**
 * "Compare with": another stored run's smoothed loss drawn beside the one shown. The list is read from the engine
 * when the picker gets focus (runs finish and arrive while the section is open).
 */
export function CompareRunPicker() {
  const compare = useStudio((s) => s.train.compare);
  const shownId = useStudio((s) => s.train.viewing?.runId ?? s.train.run?.runId ?? null);
  const [runs, setRuns] = useState<RunRecord[]>([]);
  const load = () => void runsWithCurves().then(setRuns);
  const options = runs.filter((r) => r.id !== shownId);
  return (
    <label className="chart-control">
      Compare with
      <select
        value={compare?.runId ?? ''}
        onFocus={load}
        onMouseDown={load}
        onChange={(e) => compareWith(runs.find((r) => r.id === e.target.value) ?? null)}
        data-testid="compare-run"
      >
        <option value="">no other run</option>
        {compare && !options.some((r) => r.id === compare.runId) ? (
          <option value={compare.runId}>{compare.name}</option>
        ) : null}
        {options.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} ({r.metrics.length} steps)
          </option>
        ))}
      </select>
    </label>
  );
}
