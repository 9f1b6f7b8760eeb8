/**
 * The engine's liveness pulse. The page declares the worker dead when it hears nothing for a while (a tab killed
 * for memory sends no message), and answering pings needs the worker's event loop — which a synchronous tfjs-wasm
 * training step holds for as long as the step takes (minutes for a large model). So long work beats from inside:
 * the loaded model calls `beat()` before every decoder layer, and the worker turns a due beat into an `alive`
 * message, which `postMessage` delivers although the worker's own loop stays blocked.
 */

/** Throttled beats, fanned out to listeners (the worker adapter). */
export class Liveness {
  private last = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<() => void>();

  /** `minIntervalMs`: at most one beat per interval reaches the listeners (a layer can take microseconds). */
  constructor(
    private readonly minIntervalMs = 1000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Called on every beat that is due; returns the unsubscribe function. */
  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Marks progress. Cheap enough to call per layer: one clock read unless a beat is due. */
  beat(): void {
    if (this.listeners.size === 0) return;
    const t = this.now();
    if (t - this.last < this.minIntervalMs) return;
    this.last = t;
    for (const listener of this.listeners) listener();
  }
}
