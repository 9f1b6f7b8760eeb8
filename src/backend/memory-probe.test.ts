import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from './node';
import { tf } from './tf';
import { withMemoryPeak } from './memory-probe';

describe('withMemoryPeak', () => {
  beforeAll(async () => {
    await initNodeBackend('cpu');
  });

  it('counts distinct buffers once (views are free), tracks frees, and restores the engine', async () => {
    const trackBefore = (tf.engine() as unknown as { trackTensor: unknown }).trackTensor;
    const { result, peak } = await withMemoryPeak(async () => {
      const a = tf.zeros([1000]); // 4000 B
      const view = a.reshape([10, 100]); // same buffer: tf.memory().numBytes would count it again
      const b = tf.ones([500]); // 2000 B → 6000 B live
      tf.dispose([a, view, b]); // 0 B live
      const c = tf.zeros([250]); // 1000 B live, kept
      return c;
    });
    expect(peak.tensorBytes).toBe(6000);
    expect(peak.retainedBytes).toBe(1000);
    expect(peak.gpuBytes).toBeNull();
    expect(peak.gpuAllocatedBytes).toBeNull();
    result.dispose();
    expect((tf.engine() as unknown as { trackTensor: unknown }).trackTensor).toBe(trackBefore);
  });
});
