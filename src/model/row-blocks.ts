/**
 * Weights too large for one GPU storage binding, held as row blocks (issue 12). WebGPU binds at most
 * `maxStorageBufferBindingSize` bytes of a buffer per kernel input — 128 MiB on many GPUs, WebGPU's default — and
 * tfjs binds every tensor whole, so Qwen2.5's 151 936 × 896 embedding (519 MiB f32, 260 MiB as a packed f16 head)
 * could not be used as one tensor there. Split by vocabulary rows, each block within the limit:
 *   - the embedding lookup gathers each id from its block and restores the ids' order;
 *   - the LM head multiplies by every block and concatenates the logits along the vocabulary.
 * Both give the unsplit result: every logit is the same dot product, every embedding row the same row.
 */
import { tf, type Tensor2D } from '../backend/tf';
import { matMulFrozenT } from './frozen-matmul';
import type { Linear, LinearFactory } from './linear';

/** Rows per block so that a block of `bytesPerRow`-byte rows stays within `maxBytes` (at least 1). */
export function rowsPerBlock(bytesPerRow: number, maxBytes: number): number {
  return Math.max(1, Math.floor(maxBytes / bytesPerRow));
}

/** [start, size) of each row block of a `rows`-row weight. */
function blockRanges(rows: number, perBlock: number): [start: number, size: number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < rows; start += perBlock) out.push([start, Math.min(perBlock, rows - start)]);
  return out;
}

/** A frozen f32 matrix [rows, cols] kept as row blocks on the backend. */
export class RowBlockMatrix {
  readonly size: number;

  private constructor(
    readonly shape: [number, number],
    /** Each block with the index of its first row. */
    private readonly blocks: { start: number; tensor: Tensor2D }[],
  ) {
    this.size = shape[0] * shape[1];
  }

  /**
   * Uploads `values` [rows, cols] (row-major f32) as one tensor when it fits in `maxBytes`, else as row blocks
   * that each do. The result is kept (survives the caller's tidy) and owned by the caller.
   */
  static upload(values: Float32Array, shape: [number, number], maxBytes: number): Tensor2D | RowBlockMatrix {
    const [rows, cols] = shape;
    if (values.byteLength <= maxBytes) return tf.keep(tf.tensor2d(values, shape));
    const blocks = blockRanges(rows, rowsPerBlock(4 * cols, maxBytes)).map(([start, size]) => ({
      start,
      tensor: tf.keep(tf.tensor2d(values.subarray(start * cols, (start + size) * cols), [size, cols])),
    }));
    return new RowBlockMatrix(shape, blocks);
  }

  /** How many blocks hold the matrix. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** Rows `ids` (host values, each in [0, rows)) → [ids.length, cols], in the ids' order. Caller owns it. */
  gatherRows(ids: ArrayLike<number>): Tensor2D {
    return tf.tidy(() => {
      const parts: Tensor2D[] = [];
      const order: number[] = []; // order[k]: the position in `ids` of gathered row k
      for (const { start, tensor } of this.blocks) {
        const end = start + tensor.shape[0];
        const local: number[] = [];
        for (let i = 0; i < ids.length; i++) {
          if (ids[i] < start || ids[i] >= end) continue;
          local.push(ids[i] - start);
          order.push(i);
        }
        if (local.length) parts.push(tf.gather(tensor, tf.tensor1d(local, 'int32'))); // [local, cols]
      }
      const byBlock = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as Tensor2D); // [ids, cols], block order
      const back = new Int32Array(ids.length);
      order.forEach((position, k) => (back[position] = k));
      return tf.gather(byBlock, tf.tensor1d(back, 'int32')) as Tensor2D; // [ids, cols], ids' order
    });
  }

  /** x [n, cols] · thisᵀ → [n, rows], differentiable w.r.t. x only (the blocks are frozen). Caller owns it. */
  matMulT(x: Tensor2D): Tensor2D {
    return tf.tidy(
      () =>
        tf.concat(
          this.blocks.map((b) => matMulFrozenT(x, b.tensor)),
          1,
        ) as Tensor2D,
    );
  }

  dispose(): void {
    for (const b of this.blocks) b.tensor.dispose();
  }
}

/** An f32 table as the loader keeps it: one tensor, or row blocks when it exceeds a storage binding. */
export type FloatTable = Tensor2D | RowBlockMatrix;

/**
 * A frozen Linear [out, in] built as row blocks (`out` split), each a Linear of its own from the same factory:
 * `apply` concatenates the blocks' outputs, its gradient w.r.t. x sums theirs. Used for the packed f16 LM head.
 */
export class RowBlockLinear implements Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly mode: Linear['mode'];
  readonly byteSize: number;
  /** The head has no bias; a blocked Linear keeps its blocks' biases inside them. */
  readonly bias = null;

  constructor(readonly parts: readonly Linear[]) {
    this.inFeatures = parts[0].inFeatures;
    this.outFeatures = parts.reduce((a, p) => a + p.outFeatures, 0);
    this.mode = parts[0].mode;
    this.byteSize = parts.reduce((a, p) => a + p.byteSize, 0);
  }

  apply(x: Tensor2D): Tensor2D {
    return tf.tidy(
      () =>
        tf.concat(
          this.parts.map((p) => p.apply(x)),
          1,
        ) as Tensor2D,
    ); // [rows, out]
  }

  async weightRowNorms(): Promise<Float32Array> {
    const out = new Float32Array(this.outFeatures);
    let at = 0;
    for (const p of this.parts) {
      const n = await p.weightRowNorms();
      out.set(n, at);
      at += n.length;
    }
    return out;
  }

  dispose(): void {
    for (const p of this.parts) p.dispose();
  }
}

/**
 * `factory`'s Linear for `weight` [out, in] (no bias), split into row blocks whose stored rows
 * (`bytesPerRow` each) stay within `maxBytes` when the whole would not; a single Linear when it fits.
 */
export function blockedLinear(
  factory: LinearFactory,
  path: string,
  weight: Float32Array,
  shape: [number, number],
  bytesPerRow: number,
  maxBytes: number,
): Linear {
  const [out, inp] = shape;
  const perBlock = rowsPerBlock(bytesPerRow, maxBytes);
  if (perBlock >= out) return factory(path, weight, shape, null);
  const parts: Linear[] = [];
  try {
    for (const [start, size] of blockRanges(out, perBlock)) {
      parts.push(
        factory(
          `${path}[${start}:${start + size}]`,
          weight.subarray(start * inp, (start + size) * inp),
          [size, inp],
          null,
        ),
      );
    }
  } catch (e) {
    for (const p of parts) p.dispose();
    throw e;
  }
  return new RowBlockLinear(parts);
}
