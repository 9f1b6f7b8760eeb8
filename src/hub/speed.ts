/** Download speed over a sliding window, so the figure follows the connection instead of the whole-run average. */
export class SpeedMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 3000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records the running byte total; returns bytes per second over the window (0 until two samples exist). */
  sample(totalBytes: number): number {
    const t = this.now();
    this.samples.push({ t, bytes: totalBytes });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const dt = t - first.t;
    return dt > 0 ? ((totalBytes - first.bytes) / dt) * 1000 : 0;
  }
}
