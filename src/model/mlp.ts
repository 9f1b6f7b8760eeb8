/** SwiGLU feed-forward: down(silu(gate(x)) ⊙ up(x)), as in HF `LlamaMLP`. */
import { tf, type Tensor2D } from '../backend/tf';
import type { AdapterHook } from './linear';
import { linearPath, project, type LayerWeights } from './weights';

/** x: [rows, hidden] → [rows, hidden]. Caller owns the result. */
export function mlp(layer: LayerWeights, index: number, x: Tensor2D, hook: AdapterHook | null | undefined): Tensor2D {
  return tf.tidy(() => {
    const gate = project(layer.gate, linearPath(index, 'gate_proj'), x, hook); // [rows, intermediate]
    const up = project(layer.up, linearPath(index, 'up_proj'), x, hook); // [rows, intermediate]
    const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as Tensor2D; // silu(gate) ⊙ up
    return project(layer.down, linearPath(index, 'down_proj'), act, hook); // [rows, hidden]
  });
}
