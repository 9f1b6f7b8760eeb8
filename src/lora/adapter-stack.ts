/**
 * Several adapters active on one base at once, each with its own weight:
 * delta = Σ wᵢ · scaleᵢ · (x·Aᵢᵀ)·Bᵢᵀ. Adding, removing or re-weighting an adapter is a map update, so a loaded
 * (quantized) base serves any combination without being reloaded. The stack references adapters; it does not
 * own or dispose them.
 */
import { tf, type Tensor2D } from '../backend/tf';
import type { AdapterHook, BaseOutput, LowRankTerm } from '../model/linear';
import type { LoraAdapter } from './lora-adapter';

export interface StackEntry {
  adapter: LoraAdapter;
  weight: number;
}

export class AdapterStack implements AdapterHook {
  private readonly entries = new Map<string, StackEntry>();

  /** Adds or replaces the adapter under `id` with a weight (negative weights subtract a behaviour). */
  set(id: string, adapter: LoraAdapter, weight = 1): void {
    this.entries.set(id, { adapter, weight });
  }

  setWeight(id: string, weight: number): void {
    const e = this.entries.get(id);
    if (!e) throw new Error(`no adapter '${id}' in the stack`);
    e.weight = weight;
  }

  remove(id: string): boolean {
    return this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Active entries in insertion order. */
  list(): Array<{ id: string } & StackEntry> {
    return [...this.entries].map(([id, e]) => ({ id, ...e }));
  }

  get size(): number {
    return this.entries.size;
  }

  lowRankTerms(path: string): LowRankTerm[] | null {
    const terms: LowRankTerm[] = [];
    for (const { adapter, weight } of this.entries.values()) {
      if (weight === 0) continue;
      const own = adapter.lowRankTerms(path, weight);
      if (own === null) return null;
      terms.push(...own);
    }
    return terms;
  }

  /** Σ of each adapter's delta; DoRA adapters each rescale the same base output (exact for one DoRA adapter). */
  delta(path: string, x: Tensor2D, base?: BaseOutput): Tensor2D | null {
    const parts: Tensor2D[] = []; // each [rows, out], disposed below once summed
    for (const { adapter, weight } of this.entries.values()) {
      if (weight === 0) continue;
      const d = adapter.weightedDelta(path, x, weight, base);
      if (d) parts.push(d);
    }
    if (parts.length <= 1) return parts[0] ?? null;
    const sum = tf.addN(parts) as Tensor2D;
    for (const p of parts) p.dispose();
    return sum;
  }
}
