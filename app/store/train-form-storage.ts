/**
 * The Train form survives a reload (localStorage, apart from the studio's settings): a user who tuned rank,
 * learning rate and sample prompts finds them again. Stored values are merged over the defaults, so a form saved
 * by an older build gains new fields instead of breaking; the engine validates whatever is sent.
 */
import { DEFAULT_TRAIN_FORM, type TrainForm } from '../../src/spec/presets';

export const TRAIN_FORM_KEY = 'lora-studio-train-form';
const VERSION = 1;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy mode, sandboxed frame)
  }
}

/** The saved form merged over the defaults, or the defaults. */
export function loadTrainForm(): TrainForm {
  const raw = storage()?.getItem(TRAIN_FORM_KEY);
  if (!raw) return DEFAULT_TRAIN_FORM;
  try {
    const saved = JSON.parse(raw) as { version?: number; form?: Partial<TrainForm> };
    const f = saved.version === VERSION ? saved.form : undefined;
    if (!f || typeof f !== 'object') return DEFAULT_TRAIN_FORM;
    const d = DEFAULT_TRAIN_FORM;
    return {
      preset: f.preset ?? d.preset,
      name: typeof f.name === 'string' ? f.name : d.name,
      lora: { ...d.lora, ...f.lora },
      train: { ...d.train, ...f.train, adamw: { ...d.train.adamw, ...f.train?.adamw } },
      samples: {
        ...d.samples,
        ...f.samples,
        prompts: Array.isArray(f.samples?.prompts) ? f.samples.prompts : d.samples.prompts,
      },
    };
  } catch {
    return DEFAULT_TRAIN_FORM;
  }
}

/** Saves the form (quietly does nothing where storage is unavailable or full). */
export function saveTrainForm(form: TrainForm): void {
  try {
    storage()?.setItem(TRAIN_FORM_KEY, JSON.stringify({ version: VERSION, form }));
  } catch {
    // A full or blocked localStorage only loses the convenience, never the run.
  }
}
