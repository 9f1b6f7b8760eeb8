/**
 * Prepared token ids checked against the model's vocabulary before training starts (#13). A tokenizer that does
 * not belong to the model produces ids ≥ vocab_size; found here, the message names both files, instead of a
 * failure deep in the embedding gather (cpu/wasm) or silent zero rows (WebGPU).
 */
import type { TokenizedExample } from './types';

/** The first id ≥ `vocab` (or < 0) in `examples`, with where it is; null when all fit. */
export function findOutOfVocab(
  examples: readonly TokenizedExample[],
  vocab: number,
): { id: number; example: number } | null {
  for (let e = 0; e < examples.length; e++) {
    const ids = examples[e].ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] >= vocab || ids[i] < 0) return { id: ids[i], example: e };
  }
  return null;
}

/** The one wording for a tokenizer/model mismatch. */
export function outOfVocabMessage(
  found: { id: number; example: number },
  vocab: number,
  tokenizer: string,
  config: string,
): string {
  return (
    `${tokenizer} produces id ${found.id} (example ${found.example + 1}) but ${config} vocab_size is ${vocab}; ` +
    'the tokenizer does not belong to this model'
  );
}
