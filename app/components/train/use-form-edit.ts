/** Setters for the Train form's parts (any edit turns the preset into "custom"), and what is wrong with it. */
import { useMemo } from 'react';
import type { LoraConfig } from '../../../src/spec/lora-config';
import type { SampleSettings } from '../../../src/spec/run-spec';
import { settingsProblems } from '../../../src/spec/run-spec';
import type { TrainConfig } from '../../../src/spec/train-config';
import { useStudio } from '../../store';

export function useFormEdit() {
  const setForm = useStudio((s) => s.setTrainForm);
  return {
    lora: (p: Partial<LoraConfig>) => setForm((f) => ({ ...f, preset: 'custom', lora: { ...f.lora, ...p } })),
    train: (p: Partial<TrainConfig>) => setForm((f) => ({ ...f, preset: 'custom', train: { ...f.train, ...p } })),
    samples: (p: Partial<SampleSettings>) => setForm((f) => ({ ...f, samples: { ...f.samples, ...p } })),
    name: (name: string) => setForm((f) => ({ ...f, name })),
  };
}

/**
 * The form's problems by field (`train.lr` → message), from src/spec's one check of a run spec: what the engine
 * would refuse, shown as the user types.
 */
export function useSettingsProblems(): Record<string, string> {
  const lora = useStudio((s) => s.train.form.lora);
  const train = useStudio((s) => s.train.form.train);
  return useMemo(
    () => Object.fromEntries(settingsProblems({ lora, train }).map((p) => [p.field, p.message])),
    [lora, train],
  );
}

/** The keys of `T` whose values are plain numbers. */
type NumberKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];

/** `{ [key]: value }` as a patch of `T`. */
function patchOf<T>(key: keyof T, value: T[keyof T]): Partial<T> {
  const p: Partial<T> = {};
  p[key] = value;
  return p;
}

/**
 * A NumberField's `value`, `error` and `onChange` for a number setting of the Train form, so a field states only its
 * label and range: `<NumberField id="lora-rank" label="Rank" max={512} {...bind.lora('rank')} />`.
 */
export function useNumberBinding() {
  const form = useStudio((s) => s.train.form);
  const edit = useFormEdit();
  const problems = useSettingsProblems();
  return {
    lora: (key: NumberKey<LoraConfig>) => ({
      value: form.lora[key],
      error: problems[`lora.${key}`],
      onChange: (v: number) => edit.lora(patchOf<LoraConfig>(key, v)),
    }),
    train: (key: NumberKey<TrainConfig>) => ({
      value: form.train[key],
      error: problems[`train.${key}`],
      onChange: (v: number) => edit.train(patchOf<TrainConfig>(key, v)),
    }),
    samples: (key: NumberKey<SampleSettings>) => ({
      value: form.samples[key],
      onChange: (v: number) => edit.samples(patchOf<SampleSettings>(key, v)),
    }),
  };
}
