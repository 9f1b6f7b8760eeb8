// StepBoundary on its own: guests wait for a boundary, run one at a time in order, run at once while parked, are
// skipped when cancelled before their turn, and the ones left run on close.
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../spec/errors';
import { StepBoundary } from './step-boundary';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('StepBoundary', () => {
  it('guests wait for cross(), then run one at a time in arrival order', async () => {
    const b = new StepBoundary();
    const log: string[] = [];
    const guest = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const first = b.admit(guest('a'));
    const second = b.admit(guest('b'));
    await tick();
    expect(log).toEqual([]);
    expect(b.pending).toBe(2);
    await b.cross();
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
    await expect(Promise.all([first, second])).resolves.toEqual(['a', 'b']);
  });

  it('while parked guests run as they come; the next cross() waits for one still running', async () => {
    const b = new StepBoundary();
    b.park();
    let release = () => undefined as void;
    const running = b.admit(() => new Promise<string>((r) => (release = () => r('done'))));
    await tick();
    expect(b.pending).toBe(0);
    b.unpark();
    let crossed = false;
    const crossing = b.cross().then(() => (crossed = true));
    await tick();
    expect(crossed).toBe(false);
    release();
    await crossing;
    await expect(running).resolves.toBe('done');
  });

  it('skips a guest cancelled before its turn, passes errors through, and runs the rest on close', async () => {
    const b = new StepBoundary();
    const controller = new AbortController();
    let ran = false;
    const cancelled = b.admit(async () => (ran = true), controller.signal);
    const failing = b.admit(async () => {
      throw new Error('boom');
    });
    const last = b.admit(async () => 'last');
    controller.abort(new CancelledError());
    await b.close();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expect(ran).toBe(false);
    await expect(failing).rejects.toThrow('boom');
    await expect(last).resolves.toBe('last');
    expect(b.closed).toBe(true);
    await expect(b.admit(async () => 1)).rejects.toThrow(/ended/);
  });
});
