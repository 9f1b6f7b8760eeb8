/**
 * What a cluster hands back beside the adapter: the run marker the job wrote (`lora-studio-run.json`, copied into
 * the output folder by `launch.sh` / `train_trl.py`) and the Hugging Face Trainer's `trainer_state.json`, whose
 * `log_history` is the loss curve. Both are optional and untrusted: anything malformed is ignored with a reason,
 * never allowed to fail the adapter import itself.
 */
import type { ModelFiles } from '../spec/model-files';
import type { MetricPoint } from '../spec/records';
import { RUN_MARKER_FILE } from './launch-files';

/** `trainer_state.json` as transformers writes it (the fields we read). */
const TRAINER_STATE_FILE = 'trainer_state.json';
/** A curve longer than this is thinned (every k-th point) so the record stays small. */
const MAX_POINTS = 20_000;
/** Files bigger than this are not parsed (a real trainer_state.json of 100k steps is ~20 MB). */
const MAX_STATE_BYTES = 64 << 20;

/** The marker a job wrote, as read back. */
export interface ReturnedMarker {
  runId: string;
  baseModel: string | null;
  method: string;
}

/** Marker and curve found beside a returned adapter, plus why anything present was not used. */
export interface ReturnedRun {
  marker: ReturnedMarker | null;
  curve: MetricPoint[] | null;
  notes: string[];
}

async function readSmallJson(files: ModelFiles, name: string): Promise<unknown> {
  const size = await files.size(name);
  if (size === null) return undefined;
  if (size > MAX_STATE_BYTES) throw new Error(`${name} is ${size} bytes; larger than ${MAX_STATE_BYTES}`);
  return JSON.parse(new TextDecoder().decode(await files.read(name)));
}

/** The marker's fields, validated. */
export function parseMarker(v: unknown): ReturnedMarker {
  const m = v as Record<string, unknown> | null;
  if (!m || m.format !== 'lora-studio-run') throw new Error(`${RUN_MARKER_FILE} is not a LoRA Studio run marker`);
  if (typeof m.runId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$/.test(m.runId))
    throw new Error(`${RUN_MARKER_FILE} has no valid runId`);
  return {
    runId: m.runId,
    baseModel: typeof m.baseModel === 'string' ? m.baseModel : null,
    method: typeof m.method === 'string' ? m.method : 'sft',
  };
}

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * `log_history` → metric points: training entries (`loss`) give a point each; evaluation entries (`eval_loss`)
 * attach to the training point of the same step. Non-finite and malformed entries are skipped.
 */
export function curveFromTrainerState(state: unknown): MetricPoint[] {
  const history = (state as { log_history?: unknown } | null)?.log_history;
  if (!Array.isArray(history)) throw new Error(`${TRAINER_STATE_FILE} has no log_history list`);
  const byStep = new Map<number, MetricPoint>();
  const evals: [number, number][] = [];
  history.forEach((e: Record<string, unknown>, i) => {
    const step = finite(e?.step);
    if (step === undefined || step < 0) return;
    const loss = finite(e.loss);
    const evalLoss = finite(e.eval_loss);
    if (loss !== undefined) {
      byStep.set(step, { step, loss, lr: finite(e.learning_rate), gradNorm: finite(e.grad_norm), time: i });
    }
    if (evalLoss !== undefined) evals.push([step, evalLoss]);
  });
  for (const [step, evalLoss] of evals) {
    const p = byStep.get(step);
    if (p) p.evalLoss = evalLoss;
  }
  const points = [...byStep.values()].sort((a, b) => a.step - b.step);
  const stride = Math.ceil(points.length / MAX_POINTS);
  return stride > 1 ? points.filter((_, i) => i % stride === 0 || i === points.length - 1) : points;
}

/** The newest `checkpoint-N/trainer_state.json` when there is none at the top (axolotl keeps it per checkpoint). */
async function trainerStateName(files: ModelFiles): Promise<string | null> {
  const names = await files.list();
  if (names.includes(TRAINER_STATE_FILE)) return TRAINER_STATE_FILE;
  let best: [number, string] | null = null;
  for (const n of names) {
    const m = /^checkpoint-(\d+)\/trainer_state\.json$/.exec(n);
    if (m && (!best || Number(m[1]) > best[0])) best = [Number(m[1]), n];
  }
  return best?.[1] ?? null;
}

/** Reads the marker and curve beside an adapter, when present. */
export async function readReturnedRun(files: ModelFiles): Promise<ReturnedRun> {
  const notes: string[] = [];
  let marker: ReturnedMarker | null = null;
  let curve: MetricPoint[] | null = null;
  try {
    const raw = await readSmallJson(files, RUN_MARKER_FILE);
    if (raw !== undefined) marker = parseMarker(raw);
  } catch (e) {
    notes.push(`run marker ignored: ${(e as Error).message}`);
  }
  const stateName = await trainerStateName(files);
  if (stateName) {
    try {
      curve = curveFromTrainerState(await readSmallJson(files, stateName));
      if (curve.length === 0) curve = null;
    } catch (e) {
      notes.push(`loss curve ignored: ${(e as Error).message}`);
    }
  }
  return { marker, curve, notes };
}
