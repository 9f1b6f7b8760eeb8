import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference C implementation from state [1, 2, 3, 4]', () => {
    // Produced by the authors' xoshiro128starstar.c compiled with gcc (independent of this file).
    const rng = new Rng();
    rng.setState([1, 2, 3, 4]);
    const out = Array.from({ length: 6 }, () => rng.next());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    expect(rng.getState()).toEqual([1110993931, 286554632, 2431677446, 2165318166]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 16 }, () => a.next());
    expect(Array.from({ length: 16 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 16 }, () => c.next())).not.toEqual(sa);
    expect(new Rng(2 ** 40).getState()).not.toEqual(new Rng(0).getState());
  });

  it('restores state so the stream continues exactly', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 10; i++) rng.normal();
    const saved = JSON.parse(JSON.stringify(rng.getState())) as number[];
    const expected = [rng.next(), rng.nextFloat(), rng.normal(), rng.nextInt(17)];
    const resumed = new Rng(999);
    resumed.setState(saved);
    expect([resumed.next(), resumed.nextFloat(), resumed.normal(), resumed.nextInt(17)]).toEqual(expected);
    expect(() => resumed.setState([0, 0, 0, 0])).toThrow(/all-zero/);
    expect(() => resumed.setState([1, 2, 3])).toThrow(/4 unsigned/);
  });

  it('gives uniform floats in [0, 1) and normals with the right moments', () => {
    const rng = new Rng(1);
    const n = 20000;
    let sum = 0;
    let sumSq = 0;
    let fmin = 1;
    let fmax = 0;
    for (let i = 0; i < n; i++) {
      const f = rng.nextFloat();
      fmin = Math.min(fmin, f);
      fmax = Math.max(fmax, f);
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(fmin).toBeGreaterThanOrEqual(0);
    expect(fmax).toBeLessThan(1);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.04);
  });

  it('nextInt is in range and roughly uniform; shuffle is a seeded permutation', () => {
    const rng = new Rng(3);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[rng.nextInt(5)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s1 = new Rng(5).shuffle([...items]);
    const s2 = new Rng(5).shuffle([...items]);
    expect(s1).toEqual(s2);
    expect(s1).not.toEqual(items);
    expect([...s1].sort((x, y) => x - y)).toEqual(items);
    expect(() => rng.nextInt(0)).toThrow();
  });
});
