/** Setters for the Train form's parts (any edit turns the preset into "custom"), and what is wrong with it. */
import { useMemo } from 'react';
import type { LoraConfig } from '../../../src/spec/lora-config';
import type { SampleSettings } from '../../../src/spec/run-spec';
import { settingsProblems } from '../../../src/spec/run-spec';
import type { TrainConfig } from '../../../src/spec/train-config';
import { useStudio } from '../../store';
import { bindNumber, type NumberKey } from '../bind-number';

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
      ...bindNumber(form.lora, key, edit.lora),
      error: problems[`lora.${key}`],
    }),
    train: (key: NumberKey<TrainConfig>) => ({
      ...bindNumber(form.train, key, edit.train),
      error: problems[`train.${key}`],
    }),
    samples: (key: NumberKey<SampleSettings>) => bindNumber(form.samples, key, edit.samples),
  };
}
