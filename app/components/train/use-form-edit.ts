/** Setters for the Train form's parts; any edit turns the preset into "custom". */
import type { LoraConfig } from '../../../src/lora/config';
import type { SampleSettings } from '../../../src/protocol/train-types';
import type { TrainConfig } from '../../../src/train/train-config';
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
