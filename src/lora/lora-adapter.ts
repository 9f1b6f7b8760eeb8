/**
 * One LoRA adapter: per targeted module a trainable pair `loraA` [rank, in] and `loraB` [out, rank] (fp32
 * tf.Variables) and its `scale`. It is the model's `AdapterHook`: for a targeted module it returns
 * `scale · dropout(x)·loraAᵀ·loraBᵀ`, which the model adds to the frozen base output, so
 * `y = W·x + (B·A·dropout(x))·scale` exactly as PEFT's `lora.Linear.forward`. With `useDora` each module also has
 * a trainable magnitude [out] and the delta is DoRA's (`dora.ts`).
 */
import { tf, type Tensor2D } from '../backend/tf';
import type { AdapterHook, BaseOutput, LowRankTerm } from '../model/linear';
import type { Rng } from '../util/rng';
import { dropoutKeep, dropoutMaskFromSeed, dropoutSeed, dropoutThreshold } from '../util/dropout-stream';
import { fusedLoraDelta, loraDeltaAvailable } from '../backend/kernels/lora-delta-wasm';
import { checkRankFits, isTargeted, moduleSettings, type LinearSpec, type ModuleSettings } from './config';
import { validateLoraConfig, type LoraConfig } from '../spec/lora-config';
import { baseProductOf, doraDelta, magnitudeScale, type DoraParts } from './dora';

/** One adapted module. The variables are owned by the adapter (disposed by `LoraAdapter.dispose`). */
export interface LoraModule extends ModuleSettings {
  inFeatures: number;
  outFeatures: number;
  loraA: tf.Variable<tf.Rank.R2>; // [rank, in]
  loraB: tf.Variable<tf.Rank.R2>; // [out, rank]
  /** DoRA magnitude and constant ‖W‖² rows; null for plain LoRA. */
  dora: DoraParts | null;
}

/** Plain weights of one module (row-major), as read from or written to files and checkpoints. */
export interface LoraModuleWeights {
  loraA: Float32Array; // [rank, in]
  loraB: Float32Array; // [out, rank]
  /** DoRA `lora_magnitude_vector` [out]. */
  magnitude?: Float32Array;
}

/** Initial `loraA` values for PEFT's two inits (B always starts at zero so the adapter starts as a no-op). */
function initialA(config: LoraConfig, rank: number, inFeatures: number, rng: Rng): Float32Array {
  const a = new Float32Array(rank * inFeatures);
  if (config.init === 'gaussian') {
    // PEFT: nn.init.normal_(lora_A, std=1/r).
    for (let i = 0; i < a.length; i++) a[i] = rng.normal(0, 1 / rank);
  } else {
    // PEFT: kaiming_uniform_(lora_A, a=√5): gain √(2/(1+5)), bound = gain·√(3/fan_in) = 1/√in.
    const bound = 1 / Math.sqrt(inFeatures);
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.nextFloat() - 1) * bound;
  }
  return a;
}

/**
 * Inverted-dropout mask like nn.Dropout (keep with probability 1−p, kept values scaled by 1/(1−p)), seeded by 32
 * draws of `rng`: the same mask the one-kernel wasm path makes from the same draws (src/util/dropout-stream.ts).
 */
export function dropoutMask(n: number, p: number, rng: Rng): Float32Array {
  return dropoutMaskFromSeed(n, p, dropoutSeed(rng));
}

export class LoraAdapter implements AdapterHook {
  /** Adapted modules by HF path, in model order. */
  readonly modules: ReadonlyMap<string, LoraModule>;
  /** When true (and dropout > 0 and an rng is set) the LoRA input path is dropped out. */
  training = false;
  private dropoutRng: Rng | null = null;

  private constructor(
    readonly config: LoraConfig,
    modules: Map<string, LoraModule>,
  ) {
    this.modules = modules;
  }

  /**
   * A fresh adapter over the targeted modules of `linears`, initialised from `rng` (module order, A row-major).
   * DoRA needs `rowNorms` (`doraRowNorms`): the magnitude starts at ‖W‖_row, so the adapter starts as a no-op.
   */
  static create(
    config: LoraConfig,
    linears: readonly LinearSpec[],
    rng: Rng,
    rowNorms?: ReadonlyMap<string, Float32Array>,
  ): LoraAdapter {
    validateLoraConfig(config);
    const targeted = linears.filter((spec) => isTargeted(config, spec.path));
    for (const spec of targeted) checkRankFits(moduleSettings(config, spec.path).rank, spec);
    const modules = new Map<string, LoraModule>();
    for (const spec of targeted) {
      const s = moduleSettings(config, spec.path);
      const a = initialA(config, s.rank, spec.inFeatures, rng);
      const norms = normsFor(config, rowNorms, spec);
      modules.set(
        spec.path,
        makeModule(s, spec, { loraA: a, loraB: new Float32Array(spec.outFeatures * s.rank), magnitude: norms }, norms),
      );
    }
    if (modules.size === 0) {
      throw new Error(`LoRA targets ${JSON.stringify(config.targets)} match no module of the model`);
    }
    return new LoraAdapter(config, modules);
  }

  /** An adapter with given weights (import, checkpoint restore, merge results). */
  static fromWeights(
    config: LoraConfig,
    linears: readonly LinearSpec[],
    weights: ReadonlyMap<string, LoraModuleWeights>,
    rowNorms?: ReadonlyMap<string, Float32Array>,
  ): LoraAdapter {
    const byPath = new Map(linears.map((l) => [l.path, l]));
    const modules = new Map<string, LoraModule>();
    for (const [path, w] of weights) {
      const spec = byPath.get(path);
      if (!spec) throw new Error(`adapter module '${path}' does not exist in the base model`);
      const s = moduleSettings(config, path);
      if (w.loraA.length !== s.rank * spec.inFeatures || w.loraB.length !== spec.outFeatures * s.rank) {
        throw new Error(
          `${path}: adapter weights (${w.loraA.length} + ${w.loraB.length} values) do not fit rank ${s.rank} on a ` +
            `${spec.outFeatures}×${spec.inFeatures} base module`,
        );
      }
      const norms = normsFor(config, rowNorms, spec);
      if (norms && w.magnitude?.length !== spec.outFeatures) {
        throw new Error(
          `${path}: a DoRA module needs a magnitude of ${spec.outFeatures} values, got ${w.magnitude?.length ?? 'none'}`,
        );
      }
      modules.set(path, makeModule(s, spec, w, norms));
    }
    return new LoraAdapter(config, modules);
  }

  /** Seeds dropout masks (null disables dropout even in training). */
  setDropoutRng(rng: Rng | null): void {
    this.dropoutRng = rng;
  }

  delta(path: string, x: Tensor2D, base?: BaseOutput): Tensor2D | null {
    return this.weightedDelta(path, x, 1, base);
  }

  lowRankTerms(path: string, weight = 1): LowRankTerm[] | null {
    const m = this.modules.get(path);
    if (!m) return [];
    const dropping = this.training && this.config.dropout > 0 && this.dropoutRng !== null;
    if (m.dora || dropping) return null;
    return [{ a: m.loraA, b: m.loraB, scale: m.scale * weight }];
  }

  /**
   * `weight · scale · dropout(x)·Aᵀ·Bᵀ` for one module (DoRA: `weight ·` its delta, see `dora.ts`), or null when this
   * adapter does not target it.
   */
  weightedDelta(path: string, x: Tensor2D, weight: number, base?: BaseOutput): Tensor2D | null {
    const m = this.modules.get(path);
    if (!m) return null;
    return tf.tidy(() => {
      const input = this.dropped(x);
      const down = tf.matMul(input, m.loraA, false, true); // [rows, rank]
      const up = tf.matMul(down, m.loraB, false, true) as Tensor2D; // [rows, out]
      if (!m.dora) return up.mul(m.scale * weight) as Tensor2D;
      if (!base) throw new Error(`${path}: DoRA needs the base layer's output`);
      const g = magnitudeScale(m.dora, m.loraA, m.loraB, m.scale, base.linear); // [out]
      const delta = doraDelta(g, baseProductOf(base.linear, base.y, x, input), up, m.scale); // [rows, out]
      return (weight === 1 ? delta : delta.mul(weight)) as Tensor2D;
    });
  }

  /**
   * `base.y` + this module's delta as one op (lora-delta-wasm.ts) where the backend runs it: plain LoRA (not DoRA)
   * on wasm; null otherwise. Draws the same dropout seed as `delta`, so both give the same mask.
   */
  addDelta(path: string, x: Tensor2D, base: BaseOutput): Tensor2D | null {
    const m = this.modules.get(path);
    if (!m || m.dora || !loraDeltaAvailable()) return null;
    const p = this.config.dropout;
    const rng = this.training && p > 0 ? this.dropoutRng : null;
    const dropout = rng
      ? { threshold: dropoutThreshold(p), keep: dropoutKeep(p), seed: dropoutSeed(rng) }
      : { threshold: 0, keep: 1, seed: [] };
    return fusedLoraDelta(base.y, x, m.loraA, m.loraB, { scale: m.scale, ...dropout });
  }

  private dropped(x: Tensor2D): Tensor2D {
    const p = this.config.dropout;
    if (!this.training || p <= 0 || !this.dropoutRng) return x;
    return x.mul<Tensor2D>(tf.tensor2d(dropoutMask(x.size, p, this.dropoutRng), x.shape as [number, number]));
  }

  /** Trainable variables by stable name (`<path>.lora_A` / `<path>.lora_B`), for the optimizer and checkpoints. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [path, m] of this.modules) {
      out.set(`${path}.lora_A`, m.loraA);
      out.set(`${path}.lora_B`, m.loraB);
      if (m.dora) out.set(`${path}.lora_magnitude_vector`, m.dora.magnitude);
    }
    return out;
  }

  /** Number of trainable parameters: Σ rank·(in + out) (+ out per DoRA magnitude). */
  parameterCount(): number {
    let n = 0;
    for (const m of this.modules.values()) n += m.rank * (m.inFeatures + m.outFeatures) + (m.dora ? m.outFeatures : 0);
    return n;
  }

  /** True when the modules carry DoRA magnitudes. */
  get isDora(): boolean {
    return this.config.useDora === true;
  }

  /** Reads all weights back (async: never a sync GPU readback) for export, checkpoints and merges. */
  async weights(): Promise<Map<string, LoraModuleWeights>> {
    const out = new Map<string, LoraModuleWeights>();
    for (const [path, m] of this.modules) {
      const w: LoraModuleWeights = {
        loraA: (await m.loraA.data()) as Float32Array,
        loraB: (await m.loraB.data()) as Float32Array,
      };
      if (m.dora) w.magnitude = (await m.dora.magnitude.data()) as Float32Array;
      out.set(path, w);
    }
    return out;
  }

  /** Overwrites the weights in place (checkpoint restore); shapes must match. */
  setWeights(weights: ReadonlyMap<string, LoraModuleWeights>): void {
    for (const [path, m] of this.modules) {
      const w = weights.get(path);
      if (!w) throw new Error(`missing weights for adapter module '${path}'`);
      tf.tidy(() => {
        m.loraA.assign(tf.tensor2d(w.loraA, [m.rank, m.inFeatures]));
        m.loraB.assign(tf.tensor2d(w.loraB, [m.outFeatures, m.rank]));
        if (m.dora && w.magnitude) m.dora.magnitude.assign(tf.tensor1d(w.magnitude));
      });
    }
  }

  dispose(): void {
    for (const m of this.modules.values()) {
      m.loraA.dispose();
      m.loraB.dispose();
      m.dora?.magnitude.dispose();
      m.dora?.weightNormSq.dispose();
    }
  }
}

/** The base row norms a DoRA module needs (undefined for plain LoRA). */
function normsFor(
  config: LoraConfig,
  rowNorms: ReadonlyMap<string, Float32Array> | undefined,
  spec: LinearSpec,
): Float32Array | undefined {
  if (!config.useDora) return undefined;
  const n = rowNorms?.get(spec.path);
  if (!n || n.length !== spec.outFeatures)
    throw new Error(`${spec.path}: DoRA needs the base weight's ${spec.outFeatures} row norms (see doraRowNorms)`);
  return n;
}

function makeModule(
  s: ModuleSettings,
  spec: LinearSpec,
  w: LoraModuleWeights,
  rowNorms: Float32Array | undefined,
): LoraModule {
  // tidy disposes the initial tensors; the variables keep their own reference to the data.
  const dora: DoraParts | null =
    rowNorms && w.magnitude
      ? {
          magnitude: tf.tidy(() => tf.variable(tf.tensor1d(w.magnitude!), true)),
          weightNormSq: tf.keep(tf.tensor1d(rowNorms.map((v) => v * v))),
        }
      : null;
  return {
    ...s,
    inFeatures: spec.inFeatures,
    outFeatures: spec.outFeatures,
    loraA: tf.tidy(() => tf.variable(tf.tensor2d(w.loraA, [s.rank, spec.inFeatures]), true)),
    loraB: tf.tidy(() => tf.variable(tf.tensor2d(w.loraB, [spec.outFeatures, s.rank]), true)),
    dora,
  };
}

/** Trainable share of the base: adapter parameters / base parameters. */
export function trainableShare(adapter: LoraAdapter, baseParameters: number): number {
  return baseParameters > 0 ? adapter.parameterCount() / baseParameters : 0;
}
