/**
 * Jobs that run at a training run's step boundaries. A `train` job holds the engine's GPU queue for the whole run,
 * so a generation asked for meanwhile would wait silently until the run ends. Instead, while a run is going, jobs
 * that allow it (`HandlerSpec.betweenSteps`: generate, score) wait here and run between two optimizer steps:
 *
 * - before each step the run calls `cross()`: every waiting guest runs, one at a time, then the step starts;
 * - while the run is held (the user paused it), guests run as they arrive (`park()` … `unpark()`);
 * - when the run ends, `close()` runs the guests still waiting, and later ones take the normal queue.
 *
 * Guests therefore never overlap a step: the optimizer is not running, the LoRA matrices do not move under a
 * generation, and the adapter's dropout is off (it is on only inside a step), so a guest draws nothing from the
 * run's random streams and the run's losses are exactly those of a run without guests.
 */
import { CancelledError } from '../spec/errors';

interface Guest {
  run(): Promise<void>;
}

/** One training run's boundary: the guests waiting for it, and whether the run is parked. */
export class StepBoundary {
  private waiting: Guest[] = [];
  /** Guests run one after another on this chain (never two at once, never during a step). */
  private chain: Promise<void> = Promise.resolve();
  private parked = false;
  private closedFlag = false;

  /** True once the run ended: new guests must take the normal GPU queue. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Guests admitted and not yet started. */
  get pending(): number {
    return this.waiting.length;
  }

  /**
   * Runs `work` at the next boundary (at once, after earlier guests, while the run is parked). Resolves with its
   * result; a guest whose `signal` aborted before its turn is skipped and rejects with the abort reason.
   */
  admit<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closedFlag) return Promise.reject(new Error('StepBoundary: the run has ended'));
    return new Promise<T>((resolve, reject) => {
      const guest: Guest = {
        run: async () => {
          if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new CancelledError());
          try {
            resolve(await work());
          } catch (e) {
            reject(e);
          }
        },
      };
      this.waiting.push(guest);
      if (this.parked) this.flush();
    });
  }

  /** The run is between two steps: runs every guest waiting (and any running from a park) before it continues. */
  async cross(): Promise<void> {
    this.flush();
    await this.chain;
  }

  /** The run is held (paused by the user): guests run as they come. */
  park(): void {
    this.parked = true;
    this.flush();
  }

  /** The run continues: guests wait for boundaries again (the next `cross()` waits for one still running). */
  unpark(): void {
    this.parked = false;
  }

  /** The run ended: runs the guests still waiting; afterwards `admit` refuses (callers use the normal queue). */
  async close(): Promise<void> {
    this.closedFlag = true;
    this.flush();
    await this.chain;
  }

  private flush(): void {
    const guests = this.waiting.splice(0);
    for (const g of guests) this.chain = this.chain.then(() => g.run());
  }
}
