/** Greedy continuation for the model card and the quality check (no sampling: the card must be reproducible). */
import { tf } from '../../src/backend/tf';
import type { DecoderModel } from '../../src/model/llama';
import type { TextTokenizer } from '../../src/tokenizer/types';

/** Appends `maxNew` argmax tokens to `prompt` (stopping at an EOS id); returns only the new text. */
export async function greedyContinue(
  model: DecoderModel,
  tok: TextTokenizer,
  prompt: string,
  maxNew: number,
): Promise<string> {
  const ids = tok.encode(prompt);
  const context = model.config.maxPositionEmbeddings;
  const fresh: number[] = [];
  for (let i = 0; i < maxNew && ids.length < context; i++) {
    const next = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')); // [1, seq, vocab]
      return logits
        .slice([0, ids.length - 1, 0], [1, 1, -1])
        .flatten()
        .argMax(); // []
    });
    const id = (await next.data())[0];
    next.dispose();
    if (tok.eosTokenIds.includes(id)) break;
    ids.push(id);
    fresh.push(id);
  }
  return tok.decode(fresh, { skipSpecialTokens: true });
}
