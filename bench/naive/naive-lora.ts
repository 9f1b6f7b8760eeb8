/**
 * The naive peer: the same Llama model with an all-linear LoRA, written the obvious way in plain tfjs — fp32
 * weights as tensors, LoRA A/B as `tf.variable`s, every projection `x·Wᵀ + scale·(x·Aᵀ)·Bᵀ`, the loss through
 * `tf.losses.softmaxCrossEntropy` on one-hot labels over every position, `tf.train.adam`'s `minimize` doing
 * autodiff through `tf.matMul`. This is what a tfjs user would write first; the ratio of our train step to this
 * one is what the engine's work buys.
 */
import { tf, type Tensor, type Tensor2D } from '../../src/backend/tf';
import type { ModelConfig } from '../../src/model';
import { layerLinearShapes } from '../../src/model/memory-estimate';
import type { RandomWeights } from '../models/bench-models';
import { uniform } from '../core/random';

interface NaiveLinear {
  w: Tensor2D; // [out, in]
  a: tf.Variable; // [rank, in]
  b: tf.Variable; // [out, rank]
}

export class NaiveLoraLlama {
  private readonly embed: Tensor2D; // [vocab, hidden]
  private readonly layers: Map<string, NaiveLinear>[];
  private readonly cos: Tensor; // [maxSeq, headDim/2]
  private readonly sin: Tensor;
  private readonly optimizer = tf.train.adam(2e-4);
  readonly scale: number;

  constructor(
    private readonly c: ModelConfig,
    w: RandomWeights,
    rank: number,
    alpha: number,
    maxSeq: number,
  ) {
    this.scale = alpha / rank;
    this.embed = tf.tensor2d(w.embed, [c.vocab, c.hidden]);
    this.layers = w.linears.map((m, i) => {
      const out = new Map<string, NaiveLinear>();
      layerLinearShapes(c).forEach((l, j) => {
        const [o, inp] = l.shape;
        out.set(l.name, {
          w: tf.tensor2d(m.get(l.name)!, [o, inp]),
          a: tf.variable(tf.tensor2d(uniform(rank * inp, 100 + i * 7 + j, 1 / Math.sqrt(inp)), [rank, inp])),
          b: tf.variable(tf.zeros([o, rank])),
        });
      });
      return out;
    });
    const half = c.headDim / 2;
    const inv = tf.tensor1d(Array.from({ length: half }, (_, k) => 1 / Math.pow(c.ropeTheta, (2 * k) / c.headDim)));
    const freqs = tf.outerProduct(tf.range(0, maxSeq, 1, 'float32'), inv); // [maxSeq, half]
    this.cos = tf.cos(freqs);
    this.sin = tf.sin(freqs);
  }

  private linear(x: Tensor, l: NaiveLinear): Tensor {
    const y = tf.matMul(x, l.w, false, true);
    const lora = tf.matMul(tf.matMul(x, l.a, false, true), l.b, false, true);
    return y.add(lora.mul(this.scale));
  }

  private rmsNorm(x: Tensor): Tensor {
    return x.mul(tf.rsqrt(x.square().mean(-1, true).add(this.c.rmsNormEps)));
  }

  private rope(x: Tensor, seq: number): Tensor {
    const half = this.c.headDim / 2;
    const cos = this.cos
      .slice([0, 0], [seq, half])
      .concat(this.cos.slice([0, 0], [seq, half]), 1)
      .reshape([1, 1, seq, -1]);
    const sin = this.sin
      .slice([0, 0], [seq, half])
      .concat(this.sin.slice([0, 0], [seq, half]), 1)
      .reshape([1, 1, seq, -1]);
    const [x1, x2] = tf.split(x, 2, -1);
    return x.mul(cos).add(tf.concat([x2.neg(), x1], -1).mul(sin));
  }

  private attention(x: Tensor, m: Map<string, NaiveLinear>, batch: number, seq: number): Tensor {
    const { heads, kvHeads, headDim } = this.c;
    const split = (t: Tensor, n: number) => t.reshape([batch, seq, n, headDim]).transpose([0, 2, 1, 3]);
    const q = this.rope(split(this.linear(x, m.get('q_proj')!), heads), seq); // [b, h, s, d]
    // GQA: each KV head serves heads/kvHeads query heads (rank-4 tile: tfjs has no rank-5 tile gradient).
    const repeat = (t: Tensor) =>
      t
        .reshape([batch, kvHeads, 1, seq * headDim])
        .tile([1, 1, heads / kvHeads, 1])
        .reshape([batch, heads, seq, headDim]);
    const k = repeat(this.rope(split(this.linear(x, m.get('k_proj')!), kvHeads), seq)); // [b, h, s, d]
    const v = repeat(split(this.linear(x, m.get('v_proj')!), kvHeads)); // [b, h, s, d]
    const causal = tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0); // [s, s] lower triangle
    const scores = tf.matMul(q, k, false, true).div(Math.sqrt(headDim)).add(tf.sub(1, causal).mul(-1e9));
    const ctx = tf
      .matMul(tf.softmax(scores), v)
      .transpose([0, 2, 1, 3])
      .reshape([batch * seq, heads * headDim]);
    return this.linear(ctx, m.get('o_proj')!);
  }

  /** ids [batch, seq] → logits [batch·seq, vocab]. */
  logits(ids: Tensor2D): Tensor2D {
    const [batch, seq] = ids.shape;
    let x: Tensor = tf.gather(this.embed, ids.flatten()); // [b·s, hidden]
    for (const m of this.layers) {
      x = x.add(this.attention(this.rmsNorm(x), m, batch, seq));
      const h = this.rmsNorm(x);
      const gate = this.linear(h, m.get('gate_proj')!);
      const act = gate.mul(tf.sigmoid(gate)).mul(this.linear(h, m.get('up_proj')!)); // SwiGLU
      x = x.add(this.linear(act, m.get('down_proj')!));
    }
    return tf.matMul(this.rmsNorm(x), this.embed, false, true) as Tensor2D; // [b·s, vocab]
  }

  /** One training step on next-token prediction over every position; returns the loss. */
  step(ids: Tensor2D, labels: Tensor2D): tf.Scalar {
    const vars = this.layers.flatMap((m) => [...m.values()].flatMap((l) => [l.a, l.b]));
    return this.optimizer.minimize(
      () => {
        const logits = this.logits(ids);
        const oneHot = tf.oneHot(labels.flatten(), this.c.vocab); // [b·s, vocab]
        return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
      },
      true,
      vars,
    )!;
  }

  dispose(): void {
    this.embed.dispose();
    this.cos.dispose();
    this.sin.dispose();
    this.optimizer.dispose();
    for (const m of this.layers) {
      for (const l of m.values()) {
        l.w.dispose();
        l.a.dispose();
        l.b.dispose();
      }
    }
  }
}
