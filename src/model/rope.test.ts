// RopeTables.matrices (decode: RoPE of one token as a matMul) against applyRope, with and without rope_scaling.
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf, type Tensor4D } from '../backend/tf';
import { maxAbsDiff } from '../test-utils/tolerance';
import type { RopeScaling } from './config';
import { applyRope, RopeTables } from './rope';

beforeAll(async () => {
  await initNodeBackend('cpu');
});

const llama3: RopeScaling = {
  type: 'llama3',
  factor: 8,
  lowFreqFactor: 1,
  highFreqFactor: 4,
  originalMaxPositionEmbeddings: 64,
};

describe('RoPE as a matrix', () => {
  for (const [what, scaling] of [
    ['plain', null],
    ['llama3 scaling', llama3],
  ] as const) {
    it(`${what}: x·M[p]·scale equals applyRope(x) at p times scale`, async () => {
      const headDim = 16;
      const rope = new RopeTables({ headDim, ropeTheta: 10000, ropeScaling: scaling });
      const positions = [0, 1, 7, 200];
      const scale = 1 / Math.sqrt(headDim);
      const x = tf.randomNormal([positions.length, 1, 3, headDim], 0, 1, 'float32', 5) as Tensor4D; // [rows, 1, heads, d]
      const t = rope.tables(256);
      const pos = tf.tensor1d(positions, 'int32');
      const cos = tf.gather(t.cos, pos).reshape([positions.length, 1, 1, headDim]) as Tensor4D;
      const sin = tf.gather(t.sin, pos).reshape([positions.length, 1, 1, headDim]) as Tensor4D;
      const want = tf.mul(applyRope(x, cos, sin, t.rotation), scale);
      const m = tf.tensor3d(rope.matrices(positions, scale), [positions.length, headDim, headDim]);
      const got = tf.matMul(x.reshape([positions.length, 3, headDim]), m);
      expect(maxAbsDiff(await got.data(), await want.data())).toBeLessThan(1e-6);
      tf.dispose([x, pos, cos, sin, want, m, got]);
      rope.dispose();
    });
  }
});
