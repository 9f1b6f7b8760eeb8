// parseRunSpec: the one check of a run spec, shared by the engine, the Train form and the CLI.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LORA_CONFIG } from './lora-config';
import { DEFAULT_TRAIN_FORM } from './presets';
import { MAX_SAMPLE_PROMPTS, parseRunSpec, settingsProblems, type TrainRunSpec } from './run-spec';
import { DEFAULT_TRAIN_CONFIG, trainConfigProblems } from './train-config';

const spec = (over: Partial<TrainRunSpec> = {}): TrainRunSpec => ({
  name: ' my run ',
  datasetId: 'ds1',
  lora: DEFAULT_LORA_CONFIG,
  train: DEFAULT_TRAIN_CONFIG,
  samples: { prompts: ['a', ' ', 'b'], every: 5, maxNewTokens: 16, temperature: 0, seed: 3 },
  ...over,
});

describe('parseRunSpec', () => {
  it('accepts the defaults and every preset, cleaning name and prompts', () => {
    const r = parseRunSpec(spec());
    expect(r).toEqual({
      ok: true,
      spec: { ...spec(), name: 'my run', samples: { ...spec().samples, prompts: ['a', 'b'] } },
    });
    expect(settingsProblems(DEFAULT_TRAIN_FORM)).toEqual([]);
  });

  it('names each bad setting with one wording, a field and the value given', () => {
    const r = parseRunSpec(
      spec({
        lora: { ...DEFAULT_LORA_CONFIG, rank: 0, dropout: 1 },
        train: { ...DEFAULT_TRAIN_CONFIG, lr: -1, batchSize: 1.5 },
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field)).toEqual(['lora.rank', 'lora.dropout', 'train.lr', 'train.batchSize']);
    expect(r.problems[2].message).toBe('Learning rate must be a number above 0, such as 2e-4 (got -1).');
    expect(r.message).toContain('LoRA rank must be a whole number ≥ 1 (got 0).');
    // The form and the engine read the same message for the same value.
    expect(trainConfigProblems({ ...DEFAULT_TRAIN_CONFIG, lr: -1 })[0].message).toBe(r.problems[2].message);
  });

  it('refuses a missing dataset or spec before looking at the settings', () => {
    expect(parseRunSpec(undefined)).toMatchObject({ ok: false, problems: [{ field: 'spec' }] });
    expect(parseRunSpec(spec({ datasetId: '' }))).toMatchObject({
      ok: false,
      message: 'Choose a prepared dataset in the Data section first.',
    });
  });

  it('resets unusable sample settings instead of refusing the run, and caps the prompts', () => {
    const prompts = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const r = parseRunSpec(
      spec({ name: '', samples: { prompts, every: -1, maxNewTokens: 0, temperature: NaN, seed: 1.5 } }),
    );
    expect(r).toMatchObject({
      ok: true,
      spec: { name: 'LoRA run', samples: { every: 0, maxNewTokens: 32, temperature: 0, seed: 0 } },
    });
    if (r.ok) expect(r.spec.samples.prompts).toHaveLength(MAX_SAMPLE_PROMPTS);
  });

  it('lets epochs be anything while steps decide, and checks epochs otherwise', () => {
    expect(trainConfigProblems({ ...DEFAULT_TRAIN_CONFIG, steps: 10, epochs: 0 })).toEqual([]);
    expect(trainConfigProblems({ ...DEFAULT_TRAIN_CONFIG, steps: null, epochs: 0 }).map((p) => p.field)).toEqual([
      'train.epochs',
    ]);
  });
});
