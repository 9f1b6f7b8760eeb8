/** Speed over a sliding window of recent samples (bytes/s, tokens/s), for progress lines that do not jump. */
export class RateMeter {
  private readonly samples: { at: number; value: number }[] = [];

  constructor(
    private readonly windowMs = 3000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records the running total `value` and returns units per second over the window (0 until two samples). */
  update(value: number): number {
    const at = this.now();
    this.samples.push({ at, value });
    while (this.samples.length > 2 && at - this.samples[0].at > this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const dt = (at - first.at) / 1000;
    return dt > 0 ? (value - first.value) / dt : 0;
  }
}
