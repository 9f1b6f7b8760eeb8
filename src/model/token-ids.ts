/**
 * Token ids checked on the host before they index an embedding table. Backends disagree on an out-of-range id:
 * cpu/wasm throw deep inside GatherV2, WebGPU's gather silently returns a row of zeros. So every lookup checks first,
 * with one wording that says which id and which vocabulary.
 */
import { InputError } from '../spec/input-error';

/** Throws unless every id is an integer in [0, vocab). `where` names the caller in the message. */
export function checkTokenIds(ids: ArrayLike<number>, vocab: number, where: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0 && id < vocab)) {
      throw new InputError(
        `${where}: token id ${id} is outside the vocabulary [0, ${vocab}) of the model (position ` +
          `${i}; config.json vocab_size): the tokenizer or the ids do not belong to this model`,
      );
    }
  }
}

/** Throws when `length` tokens exceed the model's context (config.json max_position_embeddings). */
export function checkContextLength(length: number, maxPositions: number, where: string): void {
  if (length > maxPositions) {
    throw new InputError(`${where}: the sequence is ${length} tokens; the model's context is ${maxPositions} tokens`);
  }
}
