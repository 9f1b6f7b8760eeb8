/**
 * Merging adapters into a new one, like PEFT's `add_weighted_adapter`:
 * - `cat`: stack the factors; exact (ΔW = Σ wᵢ·scaleᵢ·Bᵢ·Aᵢ), rank = Σ rᵢ per module, weights and scales folded
 *   into B so the result has scale 1.
 * - `svd`: form Σ wᵢ·scaleᵢ·Bᵢ·Aᵢ and re-factorise it to a chosen rank by truncated SVD (best rank-k fit,
 *   Eckart–Young). The product is never formed: `lowRankSvd` works on the stacked factors.
 * Both return a new adapter with `alpha = rank` (scale 1) and `rank_pattern`/`alpha_pattern` where modules differ.
 */
import { checkRankFits, layerIndex, type LinearSpec } from './config';
import { type LoraConfig } from '../spec/lora-config';
import { LoraAdapter, type LoraModuleWeights } from './lora-adapter';
import { lowRankSvd, mat } from './svd';

export interface MergeInput {
  adapter: LoraAdapter;
  weight: number;
}

/** Per-module stacked factors: Bc [out, R] with wᵢ·scaleᵢ folded in, Ac [R, in], so ΔW = Bc·Ac exactly. */
export interface Stacked {
  rank: number;
  inFeatures: number;
  outFeatures: number;
  a: Float32Array; // [R, in]
  b: Float32Array; // [out, R]
  /** DoRA (`stackFactors(…, { dora: 'fold' })`): rows of W + b·a are rescaled to these norms [out] (foldDora). */
  magnitude?: Float32Array;
}

/**
 * Σ wᵢ·scaleᵢ·Bᵢ·Aᵢ per module as one stacked pair (scale 1); exports and merges start here. A DoRA adapter's
 * magnitude rescales whole rows of W + s·BA, which no low-rank sum represents: it is refused, except alone at
 * weight 1 with `dora: 'fold'` (merged exports, which fold it into the weights; the GGUF adapter writer refuses it).
 */
export async function stackFactors(
  inputs: readonly MergeInput[],
  opts: { dora?: 'refuse' | 'fold' } = {},
): Promise<Map<string, Stacked>> {
  const perPath = new Map<
    string,
    Array<{ w: LoraModuleWeights; rank: number; inF: number; outF: number; f: number }>
  >();
  const fold = inputs.length === 1 && inputs[0].weight === 1 && opts.dora === 'fold';
  for (const { adapter, weight } of inputs) {
    if (adapter.isDora && !fold) {
      throw new Error(
        'a DoRA adapter cannot be merged into a LoRA adapter or mixed with others; export it alone as a merged model (DoRA folded into the weights)',
      );
    }
    const weights = await adapter.weights();
    for (const [path, m] of adapter.modules) {
      const list = perPath.get(path) ?? [];
      list.push({ w: weights.get(path)!, rank: m.rank, inF: m.inFeatures, outF: m.outFeatures, f: weight * m.scale });
      perPath.set(path, list);
    }
  }
  const out = new Map<string, Stacked>();
  for (const [path, parts] of perPath) {
    const { inF, outF } = parts[0];
    if (parts.some((p) => p.inF !== inF || p.outF !== outF))
      throw new Error(`${path}: adapters disagree on the module shape`);
    const rank = parts.reduce((n, p) => n + p.rank, 0);
    const a = new Float32Array(rank * inF);
    const b = new Float32Array(outF * rank);
    let r0 = 0;
    for (const p of parts) {
      a.set(p.w.loraA, r0 * inF);
      for (let o = 0; o < outF; o++) {
        for (let r = 0; r < p.rank; r++) b[o * rank + r0 + r] = p.f * p.w.loraB[o * p.rank + r];
      }
      r0 += p.rank;
    }
    const magnitude = fold ? parts[0].w.magnitude : undefined;
    out.set(
      path,
      magnitude
        ? { rank, inFeatures: inF, outFeatures: outF, a, b, magnitude }
        : { rank, inFeatures: inF, outFeatures: outF, a, b },
    );
  }
  return out;
}

/** A scale-1 config whose rank/alpha patterns describe exactly the given per-module ranks. */
export function configForRanks(
  ranks: ReadonlyMap<string, number>,
  linears: readonly LinearSpec[],
  dropout = 0,
): LoraConfig {
  const counts = new Map<number, number>();
  for (const r of ranks.values()) counts.set(r, (counts.get(r) ?? 0) + 1);
  const rank = [...counts].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0][0];
  const rankPattern: Record<string, number> = {};
  const alphaPattern: Record<string, number> = {};
  for (const [path, r] of ranks) {
    if (r !== rank) {
      rankPattern[path] = r;
      alphaPattern[path] = r;
    }
  }
  const names = [...new Set([...ranks.keys()].map((p) => p.slice(p.lastIndexOf('.') + 1)))];
  const allLayers = new Set(linears.map((l) => layerIndex(l.path)).filter((i): i is number => i !== null));
  const used = new Set([...ranks.keys()].map(layerIndex).filter((i): i is number => i !== null));
  const layers = used.size === allLayers.size ? null : [...used].sort((x, y) => x - y);
  return {
    rank,
    alpha: rank,
    dropout,
    targets: names,
    layers,
    useRslora: false,
    init: 'kaiming',
    rankPattern,
    alphaPattern,
  };
}

/** Exact merge by concatenation (rank = Σ rᵢ per module). The caller owns the returned adapter. */
export async function mergeConcat(inputs: readonly MergeInput[], linears: readonly LinearSpec[]): Promise<LoraAdapter> {
  if (inputs.length === 0) throw new Error('merge: no adapters given');
  const stacked = await stackFactors(inputs);
  const ranks = new Map([...stacked].map(([p, s]) => [p, s.rank]));
  const weights = new Map([...stacked].map(([p, s]) => [p, { loraA: s.a, loraB: s.b }]));
  return LoraAdapter.fromWeights(configForRanks(ranks, linears), linears, weights);
}

/**
 * Weighted sum of ΔW re-factorised to `rank` by truncated SVD: loraB = U·diag(S), loraA = Vᵀ (PEFT's layout).
 * Where a module's combined rank is below `rank`, the extra directions are zero. The caller owns the result.
 */
export async function mergeSvd(
  inputs: readonly MergeInput[],
  rank: number,
  linears: readonly LinearSpec[],
): Promise<LoraAdapter> {
  if (inputs.length === 0) throw new Error('merge: no adapters given');
  if (!Number.isInteger(rank) || rank <= 0) throw new Error(`merge: rank must be a positive integer, got ${rank}`);
  const stacked = await stackFactors(inputs);
  for (const [path, s] of stacked)
    checkRankFits(rank, { path, inFeatures: s.inFeatures, outFeatures: s.outFeatures }, 'merge: --rank');
  const weights = new Map<string, LoraModuleWeights>();
  const ranks = new Map<string, number>();
  for (const [path, s] of stacked) {
    const { u, s: sigma, v } = lowRankSvd(mat(s.outFeatures, s.rank, s.b), mat(s.rank, s.inFeatures, s.a));
    const k = Math.min(rank, sigma.length);
    const loraA = new Float32Array(rank * s.inFeatures);
    const loraB = new Float32Array(s.outFeatures * rank);
    for (let r = 0; r < k; r++) {
      for (let i = 0; i < s.inFeatures; i++) loraA[r * s.inFeatures + i] = v.data[i * v.cols + r];
      for (let o = 0; o < s.outFeatures; o++) loraB[o * rank + r] = u.data[o * u.cols + r] * sigma[r];
    }
    weights.set(path, { loraA, loraB });
    ranks.set(path, rank);
  }
  return LoraAdapter.fromWeights(configForRanks(ranks, linears), linears, weights);
}
