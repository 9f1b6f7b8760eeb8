import { describe, expect, it } from 'vitest';
import { jsonLine } from './json-line';

describe('jsonLine', () => {
  it('prints NaN and ±Infinity as strings, never as null, at any depth', () => {
    const line = jsonLine({ step: 3, loss: 1.5, evalLoss: NaN, ci95: [-Infinity, Infinity], none: null });
    expect(line).toBe('{"step":3,"loss":1.5,"evalLoss":"NaN","ci95":["-Infinity","Infinity"],"none":null}');
    expect(JSON.parse(line).evalLoss).toBe('NaN');
  });
});
