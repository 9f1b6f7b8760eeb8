/**
 * The token-embedding lookup over the three ways a loaded model stores its [vocab, hidden] table: one f32 tensor,
 * row blocks (a table larger than one WebGPU storage binding, row-blocks.ts), or half floats on the host (compact
 * embeddings, `HostEmbeddings`). The forward only asks for rows.
 */
import { tf, type Tensor2D } from '../backend/tf';
import { halfToFloatTable } from '../formats/safetensors-dtype';
import { RowBlockMatrix } from './row-blocks';
import { checkTokenIds } from './token-ids';
import type { ModelWeights } from './weights';

/** ids [batch, seq] → token embeddings [batch·seq, hidden]. Caller owns the result. */
export function embedTokens(weights: ModelWeights, ids: Tensor2D, vocab: number, hidden: number): Tensor2D {
  // Ids come from host arrays (their values stay on the host), so this read is free; WebGPU's gather would
  // turn an out-of-range id into a zero row instead of failing.
  const hostIds = ids.dataSync();
  checkTokenIds(hostIds, vocab, 'embedding lookup');
  const host = weights.hostEmbeddings;
  if (host) return hostEmbeddingRows(host.table, hostIds, hidden);
  const embed = weights.embed;
  if (!embed) throw new Error('model weights have neither an embedding tensor nor host embeddings');
  // Row blocks pick each id's block on the host, from the ids just read.
  if (embed instanceof RowBlockMatrix) return embed.gatherRows(hostIds);
  return tf.tidy(() => tf.gather(embed, ids.flatten().toInt()) as Tensor2D);
}

/**
 * Gathers embedding rows from the host f16 table and uploads them: [ids.length, hidden]. The ids are read on the
 * host (callers build them from JS arrays, so no device readback happens). Caller owns the result.
 */
function hostEmbeddingRows(table: Uint16Array, ids: ArrayLike<number>, hidden: number): Tensor2D {
  const half = halfToFloatTable();
  const rows = new Float32Array(ids.length * hidden);
  for (let r = 0; r < ids.length; r++) {
    const src = ids[r] * hidden;
    const dst = r * hidden;
    for (let c = 0; c < hidden; c++) rows[dst + c] = half[table[src + c]];
  }
  return tf.tensor2d(rows, [ids.length, hidden]);
}
