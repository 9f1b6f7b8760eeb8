import { describe, expect, it } from 'vitest';
import { memoryFiles } from '../formats/memory-files';
import { curveFromTrainerState, parseMarker, readReturnedRun } from './returned-run';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const marker = { format: 'lora-studio-run', version: 1, runId: 'run-abc', baseModel: 'a/b', method: 'sft' };
/** The shape transformers writes: train entries with loss/learning_rate/grad_norm, eval entries with eval_loss. */
const state = {
  global_step: 3,
  log_history: [
    { epoch: 0.1, step: 1, loss: 2.5, learning_rate: 1e-4, grad_norm: 3.2 },
    { epoch: 0.2, step: 2, loss: 2.1, learning_rate: 9e-5, grad_norm: 2.9 },
    { epoch: 0.2, step: 2, eval_loss: 2.3, eval_runtime: 1.5 },
    { epoch: 0.3, step: 3, loss: 'NaN' },
    { epoch: 0.3, step: 3, loss: 1.9, learning_rate: 8e-5 },
    { step: 3, train_runtime: 12, train_loss: 2.2 },
  ],
};

describe('what comes back from a cluster', () => {
  it('reads the loss curve of a trainer_state.json: train points, eval attached to its step, junk skipped', () => {
    expect(curveFromTrainerState(state)).toEqual([
      { step: 1, loss: 2.5, lr: 1e-4, gradNorm: 3.2, time: 0 },
      { step: 2, loss: 2.1, lr: 9e-5, gradNorm: 2.9, evalLoss: 2.3, time: 1 },
      { step: 3, loss: 1.9, lr: 8e-5, gradNorm: undefined, time: 4 },
    ]);
    expect(() => curveFromTrainerState({})).toThrow(/no log_history/);
  });

  it('thins a very long curve to at most 20 000 points, keeping the last', () => {
    const long = { log_history: Array.from({ length: 50_001 }, (_, i) => ({ step: i + 1, loss: 1 })) };
    const curve = curveFromTrainerState(long);
    expect(curve.length).toBeLessThanOrEqual(20_001);
    expect(curve[curve.length - 1].step).toBe(50_001);
  });

  it('validates the marker', () => {
    expect(parseMarker(marker)).toEqual({ runId: 'run-abc', baseModel: 'a/b', method: 'sft' });
    expect(() => parseMarker({ ...marker, format: 'x' })).toThrow(/not a LoRA Studio run marker/);
    expect(() => parseMarker({ ...marker, runId: '../x' })).toThrow(/no valid runId/);
  });

  it('finds the marker and the newest checkpoint-N trainer state (axolotl) or the top-level one (TRL)', async () => {
    const axolotl = memoryFiles(
      {
        'lora-studio-run.json': enc(marker),
        'checkpoint-2/trainer_state.json': enc({ log_history: [{ step: 1, loss: 5 }] }),
        'checkpoint-10/trainer_state.json': enc(state),
      },
      'out',
    );
    const got = await readReturnedRun(axolotl);
    expect(got.marker?.runId).toBe('run-abc');
    expect(got.curve?.map((p) => p.step)).toEqual([1, 2, 3]);
    const trl = await readReturnedRun(memoryFiles({ 'trainer_state.json': enc(state) }, 'out'));
    expect([trl.marker, trl.curve?.length]).toEqual([null, 3]);
  });

  it('ignores malformed files with a note instead of failing the import', async () => {
    const got = await readReturnedRun(
      memoryFiles({ 'lora-studio-run.json': enc('{not json'), 'trainer_state.json': enc({ log_history: 3 }) }, 'out'),
    );
    expect(got.marker).toBeNull();
    expect(got.curve).toBeNull();
    expect(got.notes).toEqual([
      expect.stringMatching(/^run marker ignored/),
      expect.stringMatching(/^loss curve ignored: trainer_state.json has no log_history/),
    ]);
  });
});
