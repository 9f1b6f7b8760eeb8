/** The chunked LM head + cross-entropy on WebGPU (Dawn + SwiftShader in Node): same loss and gradient as unchunked. */
import { describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import { initNodeWebGpu } from '../test-utils/webgpu.node.js';
import { compareHeadLoss } from './testing/head-loss-case';

describe('chunked LM head + cross-entropy on webgpu', () => {
  it('gives the unchunked loss and hidden-state gradient with a few chunk-sized blocks at most', async () => {
    expect(await initNodeWebGpu()).toBe(true);
    expect(tf.getBackend()).toBe('webgpu');
    const r = await compareHeadLoss(200, 32, 1024, 48 * 1024);
    expect(r.lossRelErr).toBeLessThan(1e-6);
    expect(r.gradRelErr).toBeLessThan(1e-6);
    expect(r.wholePeak).toBeGreaterThan(2 * r.logitsBytes);
    expect(r.chunkedPeak).toBeLessThan(4 * 48 * 1024 * 4);
  }, 120_000);
});
