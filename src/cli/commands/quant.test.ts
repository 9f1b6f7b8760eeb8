import { afterEach, describe, expect, it, vi } from 'vitest';
import { quantCommand } from './quant';

describe('quant CLI command', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints one JSON object with bytes, error and timings on the cpu backend', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const code = await quantCommand.run([
      '--mode',
      'nf4',
      '--shape',
      '48x64',
      '--rows',
      '1,5',
      '--reps',
      '2',
      '--backend',
      'cpu',
    ]);
    expect(code).toBe(0);
    const r = JSON.parse(out.join(''));
    expect(r).toMatchObject({ backend: 'cpu', mode: 'nf4', groupSize: 64, shape: [48, 64], f32Bytes: 48 * 64 * 4 });
    expect(r.bytes).toBe(48 * 8 * 4 + 48 * 4); // words + one scale per row
    expect(r.outputRelError).toBeGreaterThan(0.01);
    expect(r.outputRelError).toBeLessThan(0.2);
    expect(r.results.map((x: { rows: number }) => x.rows)).toEqual([1, 5]);
  });

  it('rejects bad flags with a message', async () => {
    await expect(quantCommand.run(['--mode', 'int3'])).rejects.toThrow(/--mode must be one of/);
    await expect(quantCommand.run(['--shape', '12'])).rejects.toThrow(/OUTxIN/);
    await expect(quantCommand.run(['--group-size', '16'])).rejects.toThrow(/--group-size/);
  });
});
