/**
 * The fast path of a multiplexed batch when every variant is a weighted stack of plain LoRA adapters (Punica's
 * "segmented gather" done as dense products, https://arxiv.org/abs/2310.18547): per module, the A matrices of every
 * (variant, adapter) pair stacked along the rank, Â [R, in], and the B matrices side by side, B̂ [out, R]. Then
 *   delta = ((x·Âᵀ) ⊙ M)·B̂ᵀ        x [rows, in], M [rows, R]
 * where row r's mask M holds weight·scale on the columns of its own variant's blocks and 0 elsewhere: three ops per
 * module whatever the number of variants, instead of a slice, a delta and a concat per variant. The masked
 * columns add exact zeros, so each row gets its own adapters' delta; only the place the scale is applied differs
 * from `LoraAdapter.weightedDelta` (float rounding).
 */
import { tf, type Tensor2D } from '../backend/tf';
import { AdapterStack } from '../lora/adapter-stack';
import { LoraAdapter, type LoraModule } from '../lora/lora-adapter';
import type { AdapterHook } from '../model/linear';

/** Keys of a plain LoRA module (`dora` null: DoRA adapters are excluded above); anything more takes the general path. */
const PLAIN_MODULE_KEYS = new Set([
  'path',
  'rank',
  'alpha',
  'scale',
  'inFeatures',
  'outFeatures',
  'loraA',
  'loraB',
  'dora',
]);

interface Block {
  /** The variant group it belongs to. */
  group: number;
  module: LoraModule;
  weight: number;
}

interface StackedModule {
  a: Tensor2D; // [R, in]
  b: Tensor2D; // [out, R]
  /** Per group: the block columns and their weight·scale. */
  columns: Array<Array<{ from: number; rank: number; factor: number }>>;
  rank: number;
  masks: Map<number, Tensor2D>; // by seq: [batch·seq, R]
}

export class StackedLora {
  private readonly modules = new Map<string, StackedModule | null>();

  private constructor(
    private readonly stacks: ReadonlyArray<AdapterStack | null>,
    /** Items (batch rows) per group, in order. */
    private readonly counts: readonly number[],
  ) {}

  /** A stacked view of the groups' hooks, or null when one is not an AdapterStack of plain LoRA adapters. */
  static tryCreate(hooks: ReadonlyArray<AdapterHook | null>, counts: readonly number[]): StackedLora | null {
    const stacks: Array<AdapterStack | null> = [];
    for (const h of hooks) {
      if (h === null) stacks.push(null);
      else if (h instanceof AdapterStack && h.list().every((e) => isPlainLora(e.adapter))) stacks.push(h);
      else return null;
    }
    return new StackedLora(stacks, counts);
  }

  /** x: [batch·seq, in] → [batch·seq, out], or null when no variant adapts `path`. */
  delta(path: string, x: Tensor2D): Tensor2D | null {
    const m = this.module(path);
    if (!m) return null;
    const batch = this.counts.reduce((a, b) => a + b, 0);
    const seq = x.shape[0] / batch;
    let mask = m.masks.get(seq);
    if (!mask) {
      mask = tf.keep(this.buildMask(m, seq));
      m.masks.set(seq, mask);
    }
    const rowMask = mask;
    return tf.tidy(() => {
      const down = tf.matMul(x, m.a, false, true); // [rows, R]
      return tf.matMul(down.mul(rowMask), m.b, false, true) as Tensor2D; // [rows, out]
    });
  }

  private module(path: string): StackedModule | null {
    if (this.modules.has(path)) return this.modules.get(path)!;
    const blocks: Block[] = [];
    this.stacks.forEach((stack, group) => {
      for (const { adapter, weight } of stack?.list() ?? []) {
        const module = adapter.modules.get(path);
        if (module && weight !== 0) blocks.push({ group, module, weight });
      }
    });
    let built: StackedModule | null = null;
    if (blocks.length > 0) {
      const columns: StackedModule['columns'] = this.stacks.map(() => []);
      let rank = 0;
      for (const b of blocks) {
        columns[b.group].push({ from: rank, rank: b.module.rank, factor: b.weight * b.module.scale });
        rank += b.module.rank;
      }
      const a = tf.keep(
        tf.concat(
          blocks.map((b) => b.module.loraA),
          0,
        ) as Tensor2D,
      ); // [R, in]
      const bm = tf.keep(
        tf.concat(
          blocks.map((b) => b.module.loraB),
          1,
        ) as Tensor2D,
      ); // [out, R]
      built = { a, b: bm, columns, rank, masks: new Map() };
    }
    this.modules.set(path, built);
    return built;
  }

  private buildMask(m: StackedModule, seq: number): Tensor2D {
    const rows = this.counts.reduce((a, b) => a + b, 0) * seq;
    const data = new Float32Array(rows * m.rank);
    let row = 0;
    this.counts.forEach((count, group) => {
      for (let r = 0; r < count * seq; r++, row++) {
        for (const c of m.columns[group]) data.fill(c.factor, row * m.rank + c.from, row * m.rank + c.from + c.rank);
      }
    });
    return tf.tensor2d(data, [rows, m.rank]);
  }

  dispose(): void {
    for (const m of this.modules.values()) {
      if (!m) continue;
      m.a.dispose();
      m.b.dispose();
      m.masks.forEach((t) => t.dispose());
    }
    this.modules.clear();
  }
}

function isPlainLora(adapter: LoraAdapter): boolean {
  if (!(adapter instanceof LoraAdapter) || adapter.training || adapter.isDora) return false;
  for (const m of adapter.modules.values()) {
    if (!Object.keys(m).every((k) => PLAIN_MODULE_KEYS.has(k))) return false;
  }
  return true;
}
