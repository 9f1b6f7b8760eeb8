// How many data workers a preparation gets: one per core the page can spare, 1 to 4, and one for small files.
import { describe, expect, it } from 'vitest';
import { dataPoolSize, dataPoolSizeFor, MAX_DATA_WORKERS, POOL_MIN_BYTES } from './data-engine';

describe('data worker pool size', () => {
  it('is min(4, cores - 1), at least 1; unknown cores count as 2', () => {
    expect([1, 2, 3, 4, 5, 8, 16, 64].map((c) => dataPoolSize(c))).toEqual([1, 1, 2, 3, 4, 4, 4, 4]);
    expect(dataPoolSize(0)).toBe(1);
    expect(dataPoolSize(Number.NaN)).toBe(1);
    expect(MAX_DATA_WORKERS).toBe(4);
  });

  it('files under the threshold run on one worker whatever the cores', () => {
    expect(dataPoolSizeFor(POOL_MIN_BYTES - 1, 16)).toBe(1);
    expect(dataPoolSizeFor(POOL_MIN_BYTES, 16)).toBe(4);
    expect(dataPoolSizeFor(50e6, 3)).toBe(2);
  });
});
