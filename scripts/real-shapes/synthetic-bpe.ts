/**
 * A byte-level BPE tokenizer of an exact vocabulary size, for published models whose tokenizer no installed
 * package ships (SmolLM2's 49152, TinyLlama's and Mistral's 32000). Same layout as the demo model's trained one
 * (specials first, then the 256 byte symbols, then merges), but the merges are enumerated rather than learnt:
 * every pair of common characters, then every such pair plus one more character, until the vocabulary is full.
 * Text tokenizes at a realistic ~2–3 characters per token, which is all a random-weight checkpoint needs.
 */
import { bytesToUnicode } from '../demo-model/byte-level';
import { SPECIAL_TOKENS, tokenizerConfig, tokenizerJson } from '../demo-model/train-bpe';

/** tokenizer.json + tokenizer_config.json contents with exactly `vocabSize` tokens. */
export function syntheticBpeTokenizer(vocabSize: number): { tokenizer: object; config: object } {
  const spelling: string[] = [...SPECIAL_TOKENS, ...bytesToUnicode()];
  const vocab: Record<string, number> = {};
  spelling.forEach((s, i) => (vocab[s] = i));
  let nextId = spelling.length;
  let need = vocabSize - spelling.length;
  if (need < 0) throw new Error(`synthetic BPE: vocab ${vocabSize} is below the ${spelling.length} base symbols`);
  // 'Ġ' is the byte-level spelling of a space, so "Ġt" + "h" + "e" builds " the" as real vocabularies do.
  const alphabet = [...'etaoinshrdlucmfwypvbgkjqxzETAOINSHRDLUCMFWYPVBGKJQXZ0123456789Ġ'];
  const merges: string[] = [];
  const add = (left: string, right: string): void => {
    if (need <= 0 || left + right in vocab) return;
    vocab[left + right] = nextId++;
    merges.push(`${left} ${right}`);
    need--;
  };
  for (const a of alphabet) for (const b of alphabet) add(a, b);
  const pairs = merges.map((m) => m.replace(' ', ''));
  for (const p of pairs) for (const c of alphabet) add(p, c);
  if (need > 0) throw new Error(`synthetic BPE: cannot reach vocab ${vocabSize} (${need} short)`);
  const config = { ...(tokenizerConfig() as Record<string, unknown>), model_max_length: 8192 };
  return { tokenizer: tokenizerJson(vocab, merges), config };
}
