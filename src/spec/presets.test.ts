import { describe, expect, it } from 'vitest';
import { applyPreset, DEFAULT_TRAIN_FORM, fitPresetToBase, quickLearningRate } from './presets';

describe('train presets', () => {
  it('Quick steps harder on a tiny base than on a 100M+ one', () => {
    expect(quickLearningRate(3.95e6)).toBe(3e-3);
    expect(quickLearningRate(134.5e6)).toBe(1e-3);
    expect(quickLearningRate(null)).toBe(1e-3);
    expect(applyPreset(DEFAULT_TRAIN_FORM, 'quick', 3.95e6).train).toMatchObject({
      lr: 3e-3,
      steps: 60,
      batchSize: 4,
      maxSeqLen: 192,
    });
    expect(applyPreset(DEFAULT_TRAIN_FORM, 'balanced', 3.95e6).train.lr).toBe(5e-4);
  });

  it('follows a newly loaded base unless the user edited the settings', () => {
    const quick = fitPresetToBase(DEFAULT_TRAIN_FORM, 3.95e6);
    expect(quick.train.lr).toBe(3e-3);
    expect(fitPresetToBase(quick, 494e6).train.lr).toBe(1e-3);
    const custom = { ...quick, preset: 'custom' as const, train: { ...quick.train, lr: 7e-4 } };
    expect(fitPresetToBase(custom, 494e6)).toBe(custom);
  });
});
