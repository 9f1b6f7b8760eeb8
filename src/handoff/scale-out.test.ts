import { describe, expect, it } from 'vitest';
import { ASSUMED_MFU, loraTrainFlops, scaleOutEstimate } from './scale-out';

describe('scale-out estimate', () => {
  it('counts 6·N FLOPs per token with layer recomputation, 4·N without', () => {
    expect(loraTrainFlops(135e6, 1000, true)).toBe(6 * 135e6 * 1000);
    expect(loraTrainFlops(135e6, 1000, false)).toBe(4 * 135e6 * 1000);
  });

  it('SmolLM2-135M on 10M tokens at 300 tok/s: ~9 h here, minutes on one A100 → suggest the hand-off', () => {
    const e = scaleOutEstimate({
      parameters: 135e6,
      trainTokens: 10e6,
      checkpointing: true,
      measuredTokensPerSec: 300,
    });
    expect(e.deviceSeconds! / 3600).toBeCloseTo(9.26, 1);
    const a100 = e.gpus.find((g) => g.label === 'A100 80GB')!;
    // 8.1e15 FLOPs at 312 TFLOP/s × 35% ≈ 74 s.
    expect(a100.seconds).toBeCloseTo((6 * 135e6 * 10e6) / (312e12 * ASSUMED_MFU), 6);
    expect(e.gpus.find((g) => g.label === '8× H100 SXM')!.seconds).toBeLessThan(
      e.gpus.find((g) => g.label === 'H100 SXM')!.seconds / 7,
    );
    expect(e.suggest).toBe(true);
  });

  it('a short run here is not worth a cluster; without a measured rate there is no device time and no suggestion', () => {
    expect(
      scaleOutEstimate({ parameters: 135e6, trainTokens: 50_000, checkpointing: true, measuredTokensPerSec: 300 })
        .suggest,
    ).toBe(false);
    const unknown = scaleOutEstimate({
      parameters: 135e6,
      trainTokens: 10e6,
      checkpointing: true,
      measuredTokensPerSec: null,
    });
    expect([unknown.deviceSeconds, unknown.suggest]).toEqual([null, false]);
    expect(unknown.gpus).toHaveLength(5);
  });
});
