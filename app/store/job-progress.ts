/** Progress of one long engine job as the UI shows it (built from the job's `progress` events). */
import type { EngineEvent } from '../../src/protocol/messages';

export interface JobProgress {
  stage: string;
  done: number;
  total: number | null;
  unit: 'bytes' | 'items' | 'steps' | 'tokens';
  /** Units per second, when the engine measures it. */
  rate: number | null;
  detail: string | null;
}

/** The progress in `event`, or null when it is not a progress event. */
export function progressOf(event: EngineEvent): JobProgress | null {
  if (event.kind !== 'progress') return null;
  return {
    stage: event.stage,
    done: event.done,
    total: event.total,
    unit: event.unit,
    rate: event.rate ?? null,
    detail: event.detail ?? null,
  };
}

/** Message of anything thrown, for the place in the UI where the action was started. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
