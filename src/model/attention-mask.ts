/**
 * Position ids and the additive attention mask, built on the CPU from small integer inputs (a padding mask and the
 * cache length) and uploaded once per forward, shared by every layer.
 *
 * Semantics follow HF: a query at absolute index i sees key j when j ≤ i, the key is not padding, and (with a
 * sliding window) i − j < window. Positions count real tokens only (`cumsum(mask) − 1`), so right-padded rows give
 * the same positions as unpadded ones and left-padded rows start at 0 like HF `generate` does.
 */
import type { Tensor2D } from '../backend/tf';

/** Added to disallowed scores. Finite (not −∞) so a query that sees nothing yields a uniform row, never NaN. */
export const MASKED_SCORE = -1e9;

export interface MaskInputs {
  batch: number;
  seq: number;
  /** Tokens already in the KV cache. */
  past: number;
  /** Key padding per row over [0, past + seq): 1 = real, 0 = padding; null = all real. */
  keyMask: Uint8Array[] | null;
  slidingWindow: number | null;
}

/**
 * Additive mask [batch | 1, seq, past + seq] as a flat Float32Array plus its leading dim, or null when nothing needs
 * masking (single query over an unpadded, unwindowed cache).
 */
export function buildAttentionMask(m: MaskInputs): { data: Float32Array; rows: number } | null {
  const total = m.past + m.seq;
  const windowed = m.slidingWindow !== null && total > m.slidingWindow;
  if (!m.keyMask && m.seq === 1 && !windowed) return null;
  const rows = m.keyMask ? m.batch : 1;
  const data = new Float32Array(rows * m.seq * total);
  for (let b = 0; b < rows; b++) {
    const keys = m.keyMask?.[b];
    for (let t = 0; t < m.seq; t++) {
      const i = m.past + t;
      const base = (b * m.seq + t) * total;
      for (let j = 0; j < total; j++) {
        const allowed = j <= i && (!keys || keys[j] === 1) && (m.slidingWindow === null || i - j < m.slidingWindow);
        if (!allowed) data[base + j] = MASKED_SCORE;
      }
    }
  }
  return { data, rows };
}

/**
 * Position ids [batch, seq] for the new tokens: `cumsum(keyMask) − 1` over the whole history (0 for padding), or
 * null when every row is unpadded (then positions are simply past .. past + seq − 1).
 */
export function buildPositions(
  batch: number,
  seq: number,
  past: number,
  keyMask: Uint8Array[] | null,
): Int32Array | null {
  if (!keyMask) return null;
  const out = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const keys = keyMask[b];
    let count = 0;
    for (let j = 0; j < past + seq; j++) {
      if (keys[j] === 1) count++;
      if (j >= past) out[b * seq + (j - past)] = keys[j] === 1 ? count - 1 : 0;
    }
  }
  return out;
}

/**
 * A forward's `attentionMask` (1 = real token, 0 = padding; [batch, seq] for the new tokens or [batch, past + seq])
 * as per-row 0/1 arrays over the new tokens, or null when nothing is padded. A tensor is read back synchronously.
 */
export function readAttentionMask(
  mask: Tensor2D | ArrayLike<number>[] | null | undefined,
  batch: number,
  seq: number,
  past: number,
): Uint8Array[] | null {
  if (!mask) return null;
  const rows: ArrayLike<number>[] = Array.isArray(mask) ? mask : ((mask as Tensor2D).arraySync() as number[][]);
  if (rows.length !== batch) throw new Error(`attentionMask has ${rows.length} rows, ids have ${batch}`);
  let padded = false;
  const out = rows.map((r, b) => {
    if (r.length !== seq && r.length !== past + seq) {
      throw new Error(`attentionMask row ${b} has length ${r.length}; expected ${seq} (new tokens) or ${past + seq}`);
    }
    const from = r.length === seq ? 0 : past;
    const row = new Uint8Array(seq);
    for (let t = 0; t < seq; t++) {
      row[t] = r[from + t] ? 1 : 0;
      if (!row[t]) padded = true;
    }
    return row;
  });
  // An all-ones mask changes nothing: skip the per-row positions and mask upload.
  return padded ? out : null;
}
