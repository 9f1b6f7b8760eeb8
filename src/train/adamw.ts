/**
 * AdamW (Loshchilov & Hutter, https://arxiv.org/abs/1711.05101) over tf.Variables, written out instead of using
 * `tf.train.adam` because that has no decoupled weight decay and hides its moments from checkpoints. The update is
 * `torch.optim.AdamW`'s: p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε).
 */
import { tf } from '../backend/tf';
import { DEFAULT_ADAMW, type AdamWConfig } from '../spec/train-config';
import { fusedAdamW, fusedAdamWAvailable } from '../backend/kernels/adamw-wasm';

/** One parameter and its two moments; the moments are owned by the optimizer. */
interface Slot {
  param: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
}

/** The optimizer's state as plain arrays, keyed by the caller's parameter names (for checkpoints). */
export interface AdamWState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class AdamW {
  private readonly slots = new Map<string, Slot>();
  /** Number of updates applied so far (the `t` in the bias corrections). */
  step = 0;

  /**
   * `lrMultipliers`: per-parameter factor on the learning rate (torch param groups with their own lr; LoRA+ gives
   * the B matrices `loraplus_lr_ratio`). Absent names use the step's lr as is.
   */
  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    readonly config: AdamWConfig = DEFAULT_ADAMW,
    private readonly lrMultipliers: ReadonlyMap<string, number> = new Map(),
  ) {
    for (const [name, param] of params) {
      this.slots.set(name, {
        param,
        m: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
      });
    }
  }

  /** Applies one update with learning rate `lr`. `grads` is keyed like the params; the caller disposes it. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, stepLr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    for (const [name, slot] of this.slots) {
      const g = grads.get(name);
      if (!g) continue;
      const lr = stepLr * (this.lrMultipliers.get(name) ?? 1);
      tf.tidy(() => {
        if (fusedAdamWAvailable()) {
          // One kernel (wasm): the same f32 operations in the same order as below.
          const decay = weightDecay > 0 ? 1 - lr * weightDecay : 1;
          const scalars = { beta1, beta2, eps, decay, sqrtBc2: Math.sqrt(bc2), stepSize: lr / bc1 };
          const [p, m, v] = fusedAdamW(slot.param, slot.m, slot.v, g, scalars);
          slot.m.assign(m);
          slot.v.assign(v);
          slot.param.assign(p);
          return;
        }
        const m = slot.m.mul(beta1).add(g.mul(1 - beta1));
        const v = slot.v.mul(beta2).add(g.square().mul(1 - beta2));
        const decayed = weightDecay > 0 ? slot.param.mul(1 - lr * weightDecay) : slot.param;
        // Same association as torch: denom = √v/√bc2 + ε, step size lr/bc1.
        const denom = v.sqrt().div(Math.sqrt(bc2)).add(eps);
        const update = m.div(denom).mul(lr / bc1);
        slot.m.assign(m);
        slot.v.assign(v);
        slot.param.assign(decayed.sub(update));
      });
    }
  }

  /** Copies the moments out (async readback; called at checkpoint time only). */
  async getState(): Promise<AdamWState> {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const [name, slot] of this.slots) {
      m[name] = (await slot.m.data()) as Float32Array;
      v[name] = (await slot.v.data()) as Float32Array;
    }
    return { step: this.step, m, v };
  }

  /** Restores moments saved by `getState`; every parameter must be present with its exact size. */
  setState(state: AdamWState): void {
    for (const [name, slot] of this.slots) {
      const m = state.m[name];
      const v = state.v[name];
      if (!m || !v || m.length !== slot.param.size || v.length !== slot.param.size) {
        throw new Error(`optimizer state does not match parameter '${name}' (${slot.param.shape.join('×')})`);
      }
      tf.tidy(() => {
        slot.m.assign(tf.tensor(m, slot.param.shape));
        slot.v.assign(tf.tensor(v, slot.param.shape));
      });
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
  }
}
