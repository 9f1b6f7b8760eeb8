// The Train section's state: engine events fold into the run view, the metric series and the sample timeline;
// the chart data path (series → uPlot columns with smoothing and log scale) stays fast at 10 000+ points.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  hasEval,
  lossColumns,
  lossColumnsWith,
  metricColumns,
  smooth,
  withAlpha,
  zeroBasedRange,
} from '../components/train/chart-data';
import { useStudio } from './index';
import { MetricSeries } from './metric-series';
import { applyPreset, DEFAULT_TRAIN_FORM } from '../../src/spec/presets';
import { isLive } from './train-slice';

beforeEach(() => useStudio.setState(useStudio.getInitialState(), true));

const step = (i: number, extra: { evalLoss?: number } = {}) => ({
  step: i,
  loss: 4 / Math.sqrt(i),
  lr: 1e-3,
  gradNorm: 1,
  tokensPerSec: 500 + i,
  elapsedMs: i * 10,
  etaMs: (100 - i) * 10,
  epoch: i / 100,
  ...extra,
});

describe('train slice', () => {
  it('folds a run: start, steps, samples, checkpoints, status', () => {
    const apply = useStudio.getState().applyTrainEvent;
    apply({
      kind: 'trainStart',
      jobId: 1,
      runId: 'r1',
      name: 'abc',
      totalSteps: 100,
      resumedAt: 0,
      history: [],
      trainableParameters: 1000,
      trainableShare: 0.01,
      trainExamples: 90,
      evalExamples: 10,
      promptFormat: { template: 'chat' },
    });
    for (let i = 1; i <= 20; i++)
      apply({
        kind: 'trainStep',
        jobId: 1,
        runId: 'r1',
        totalSteps: 100,
        metrics: step(i, i % 10 === 0 ? { evalLoss: 2 } : {}),
      });
    apply({ kind: 'checkpointSaved', jobId: 1, runId: 'r1', step: 20 });
    apply({
      kind: 'trainSample',
      jobId: 1,
      runId: 'r1',
      step: 20,
      index: 0,
      prompt: 'The sea',
      text: ' <b>is</b> wide',
    });
    apply({ kind: 'trainStatus', jobId: 1, runId: 'r1', status: 'paused', step: 20, message: null });
    const t = useStudio.getState().train;
    expect(t.run).toMatchObject({
      runId: 'r1',
      status: 'paused',
      step: 20,
      totalSteps: 100,
      lastCheckpoint: 20,
      tokensPerSec: 520,
      promptFormat: { template: 'chat' },
    });
    expect(isLive(t.run)).toBe(true);
    expect(t.series.length).toBe(20);
    expect(t.seriesVersion).toBeGreaterThanOrEqual(21);
    expect(t.samples).toEqual([{ step: 20, index: 0, prompt: 'The sea', text: ' <b>is</b> wide' }]);
    expect(hasEval(t.series)).toBe(true);
  });

  it('an evaluation shows as evaluating with its progress until the metrics of its step arrive', () => {
    const apply = useStudio.getState().applyTrainEvent;
    apply({ kind: 'trainStatus', jobId: 3, runId: 'r2', status: 'running', step: 4, message: null });
    apply({ kind: 'trainEval', jobId: 3, runId: 'r2', step: 5, done: 1, total: 3 });
    expect(useStudio.getState().train.run).toMatchObject({ status: 'evaluating', evalProgress: { done: 1, total: 3 } });
    expect(isLive(useStudio.getState().train.run)).toBe(true);
    apply({ kind: 'trainStep', jobId: 3, runId: 'r2', totalSteps: 10, metrics: step(5, { evalLoss: 2 }) });
    expect(useStudio.getState().train.run).toMatchObject({ status: 'running', evalProgress: null, step: 5 });
  });

  it('a resumed run replaces the series with its checkpoint history and drops later samples', () => {
    const apply = useStudio.getState().applyTrainEvent;
    for (let i = 1; i <= 12; i++) useStudio.getState().train.series.append(step(i));
    useStudio.getState().patchTrain({
      samples: [
        { step: 5, index: 0, prompt: 'p', text: 'a' },
        { step: 10, index: 0, prompt: 'p', text: 'b' },
      ],
    });
    apply({
      kind: 'trainStart',
      jobId: 2,
      runId: 'r1',
      name: 'abc',
      totalSteps: 30,
      resumedAt: 9,
      history: Array.from({ length: 9 }, (_, i) => step(i + 1)),
      trainableParameters: 1,
      trainableShare: 0,
      trainExamples: 1,
      evalExamples: 0,
      promptFormat: { template: '{prompt}' },
    });
    const t = useStudio.getState().train;
    expect(t.series.step).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(t.samples.map((s) => s.step)).toEqual([5]);
    expect(t.run).toMatchObject({ step: 9, resumedAt: 9, lastCheckpoint: 9 });
  });

  it('presets set every field; the form starts on quick', () => {
    expect(DEFAULT_TRAIN_FORM.preset).toBe('quick');
    const thorough = applyPreset(DEFAULT_TRAIN_FORM, 'thorough');
    expect(thorough.lora.rank).toBe(32);
    expect(thorough.train.epochs).toBe(3);
    expect(thorough.train.steps).toBeNull();
    expect(thorough.samples.prompts).toEqual(DEFAULT_TRAIN_FORM.samples.prompts);
  });
});

describe('chart data', () => {
  it('compares two runs on the union of their steps, each smoothed along its own', () => {
    const a = new MetricSeries();
    a.reset([1, 2, 3].map((step) => ({ step, loss: 4 - step })));
    const b = new MetricSeries();
    b.reset([2, 4].map((step) => ({ step, loss: step })));
    const [steps, raw, smoothed, evalLoss, other] = lossColumnsWith(a, b, 0, false);
    expect(steps).toEqual([1, 2, 3, 4]);
    expect(raw).toEqual([3, 2, 1, null]);
    expect(smoothed).toEqual([3, 2, 1, null]);
    expect(evalLoss).toEqual([null, null, null, null]);
    expect(other).toEqual([null, 2, null, 4]);
    expect(lossColumnsWith(a, b, 0.5, false)[4][3]).toBeCloseTo((0.25 * 2 + 0.5 * 4) / 0.75, 12);
  });

  it('smooths like TensorBoard (debiased EMA) and skips non-finite values', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1].map(() => expect.closeTo(1, 12)));
    expect(smooth([2, 4], 0)).toEqual([2, 4]);
    const s = smooth([1, NaN, 3], 0.5);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeCloseTo((0.25 * 1 + 0.5 * 3) / 0.75, 12);
  });

  it('small charts start at 0 and fit a single point (no 0 to 1e+2 axis at step 1); grad norm is a column', () => {
    expect(zeroBasedRange(3e-4, 3e-4)).toEqual([0, expect.closeTo(3.3e-4, 12)]);
    expect(zeroBasedRange(0, 0)).toEqual([0, 1]);
    expect(zeroBasedRange(null, null)).toEqual([0, 1]);
    expect(zeroBasedRange(-2, 1)).toEqual([-2, expect.closeTo(2.2, 12)]);
    const s = new MetricSeries();
    s.append({ step: 1, loss: 2, gradNorm: 0.5 });
    s.append({ step: 2, loss: 1.5 });
    expect(metricColumns(s, 'gradNorm')).toEqual([
      [1, 2],
      [0.5, null],
    ]);
  });

  it('the faint raw-loss colour is a canvas colour with alpha (canvas ignores color-mix())', () => {
    expect(withAlpha('#5b5bd6', 0.5)).toBe('rgba(91, 91, 214, 0.5)');
    expect(withAlpha('#abc', 0.25)).toBe('rgba(170, 187, 204, 0.25)');
    expect(withAlpha('rgb(1, 2, 3)', 0.5)).toBe('rgb(1, 2, 3)');
  });

  it('a rollback or resume truncates the series before appending', () => {
    const s = new MetricSeries();
    for (let i = 1; i <= 5; i++) s.append(step(i));
    s.append(step(3));
    expect(s.step).toEqual([1, 2, 3]);
  });

  it('log scale turns values ≤ 0 into gaps', () => {
    const s = new MetricSeries();
    s.append({ step: 1, loss: 0 });
    s.append({ step: 2, loss: 1 });
    const [, raw] = lossColumns(s, 0, true);
    expect(raw).toEqual([null, 1]);
  });

  it('10 000+ points: columns aligned, built in a few milliseconds', () => {
    const s = new MetricSeries();
    const n = 12_000;
    for (let i = 1; i <= n; i++) s.append(step(i, i % 100 === 0 ? { evalLoss: 3 / Math.sqrt(i) } : {}));
    const t0 = performance.now();
    const cols = lossColumns(s, 0.9, true);
    const lr = metricColumns(s, 'lr');
    const tps = metricColumns(s, 'tokensPerSec');
    const ms = performance.now() - t0;
    expect(cols).toHaveLength(4);
    for (const c of [...cols, ...lr, ...tps]) expect(c).toHaveLength(n);
    expect(cols[3].filter((v) => v !== null)).toHaveLength(n / 100);
    expect(cols[2][n - 1]).toBeLessThan(cols[2][0]!);
    // Generous bound for a shared 2-core machine; typical is ~2 ms.
    expect(ms).toBeLessThan(100);
  });
});

describe('train form storage', () => {
  it('merges a saved form over the defaults and ignores junk', async () => {
    const items = new Map<string, string>();
    const fake = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
    };
    Object.defineProperty(globalThis, 'localStorage', { value: fake, configurable: true });
    try {
      const { loadTrainForm, saveTrainForm, TRAIN_FORM_KEY } = await import('./train-form-storage');
      expect(loadTrainForm()).toEqual(DEFAULT_TRAIN_FORM);
      saveTrainForm({ ...DEFAULT_TRAIN_FORM, name: 'mine', lora: { ...DEFAULT_TRAIN_FORM.lora, rank: 12 } });
      const loaded = loadTrainForm();
      expect(loaded.name).toBe('mine');
      expect(loaded.lora.rank).toBe(12);
      // An older save without newer fields still loads, with the defaults filling in.
      items.set(TRAIN_FORM_KEY, JSON.stringify({ version: 1, form: { lora: { rank: 2 } } }));
      expect(loadTrainForm()).toMatchObject({
        lora: { ...DEFAULT_TRAIN_FORM.lora, rank: 2 },
        train: DEFAULT_TRAIN_FORM.train,
      });
      items.set(TRAIN_FORM_KEY, '{not json');
      expect(loadTrainForm()).toEqual(DEFAULT_TRAIN_FORM);
    } finally {
      Reflect.deleteProperty(globalThis, 'localStorage');
    }
  });
});
