import type { SectionId } from '../store/ui-slice';

/** Title and one-line purpose of each section (navigation and headings). */
export const SECTION_INFO: Record<SectionId, { title: string; purpose: string }> = {
  model: { title: 'Model', purpose: 'Choose the base model and how its frozen weights are quantized.' },
  data: { title: 'Data', purpose: 'Bring your training data: JSONL, CSV, Parquet or plain text.' },
  train: { title: 'Train', purpose: 'Configure LoRA and watch the loss while it trains.' },
  generate: { title: 'Generate', purpose: 'Try the model with and without your adapters, side by side.' },
  evaluate: {
    title: 'Evaluate',
    purpose: 'Score the base, adapters and mixes on held-out data, and compare their answers.',
  },
  adapters: { title: 'Adapters', purpose: 'Your saved adapters: rename, merge, export to PEFT, delete.' },
};
