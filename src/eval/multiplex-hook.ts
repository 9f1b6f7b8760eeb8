/**
 * Multiplexed adapters: one forward pass over a batch whose rows use different adapters (S-LoRA / Punica,
 * https://arxiv.org/abs/2311.03285). The model computes the frozen base projection once for every row; this hook
 * then adds each row's LoRA delta from its own adapter. Rows are grouped by adapter (callers lay batch items out
 * variant by variant, so each group is one contiguous slice) and each group's delta is the very computation that
 * variant runs alone, on its own rows only. A variant without an adapter (the base) gets a zero delta. When every
 * variant is a stack of plain LoRA adapters, one stacked product serves all groups instead (StackedLora).
 * Adapter weights are read when the hook is built: make a new one after changing the variants. Free with dispose().
 */
import { tf, type Tensor2D } from '../backend/tf';
import type { AdapterHook, BaseOutput } from '../model/linear';
import { StackedLora } from './stacked-lora';

/** A run of consecutive batch items that share one hook. */
interface ItemGroup {
  hook: AdapterHook | null;
  first: number;
  count: number;
}

export class MultiplexHook implements AdapterHook {
  private readonly groups: ItemGroup[] = [];
  private readonly stacked: StackedLora | null = null;

  /** `itemHooks[b]`: the hook of batch item b (null = base only). Items sharing a hook should sit next to each other. */
  /** `opts.stacked` (default true): use the StackedLora fast path when it applies (weights read once). */
  constructor(
    readonly itemHooks: readonly (AdapterHook | null)[],
    opts: { stacked?: boolean } = {},
  ) {
    itemHooks.forEach((hook, b) => {
      const last = this.groups[this.groups.length - 1];
      if (last && last.hook === hook) last.count++;
      else this.groups.push({ hook, first: b, count: 1 });
    });
    if (this.groups.length > 1 && (opts.stacked ?? true)) {
      this.stacked = StackedLora.tryCreate(
        this.groups.map((g) => g.hook),
        this.groups.map((g) => g.count),
      );
    }
  }

  get batch(): number {
    return this.itemHooks.length;
  }

  /** x: [batch·seq, in] (item-major, as the decoder lays rows out) → [batch·seq, out] delta, or null when no row has one. */
  delta(path: string, x: Tensor2D, base?: BaseOutput): Tensor2D | null {
    const rows = x.shape[0];
    if (rows % this.batch !== 0)
      throw new Error(`MultiplexHook: ${rows} rows do not split into ${this.batch} batch items`);
    const seq = rows / this.batch;
    if (this.groups.length === 1) return this.groups[0].hook?.delta(path, x, base) ?? null;
    if (this.stacked) return this.stacked.delta(path, x);
    const parts: (Tensor2D | null)[] = this.groups.map((g) => {
      if (!g.hook) return null;
      const xs = x.slice([g.first * seq, 0], [g.count * seq, x.shape[1]]) as Tensor2D; // [count·seq, in]
      // DoRA rescales the base output: each group gets its own rows of it.
      const ys = base ? (base.y.slice([g.first * seq, 0], [g.count * seq, base.y.shape[1]]) as Tensor2D) : null; // [count·seq, out]
      const d = g.hook.delta(path, xs, ys && base ? { linear: base.linear, y: ys } : undefined); // [count·seq, out] or null; ours to dispose
      xs.dispose();
      ys?.dispose();
      return d;
    });
    const out = parts.find((p) => p !== null)?.shape[1];
    if (out === undefined) return null;
    // Zero blocks for the rows without a delta, then one concat in row order: [batch·seq, out].
    const result = tf.tidy(() => {
      const blocks = parts.map((p, i) => p ?? tf.zeros([this.groups[i].count * seq, out]));
      return tf.concat(blocks, 0) as Tensor2D;
    });
    tf.dispose(parts.filter((p): p is Tensor2D => p !== null));
    return result;
  }

  /** Frees the stacked copies of the adapters' matrices (the adapters themselves are not owned). */
  dispose(): void {
    this.stacked?.dispose();
  }
}
