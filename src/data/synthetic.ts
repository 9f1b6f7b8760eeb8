/**
 * Deterministic synthetic datasets for the benchmark (a 100 MB JSONL parsed with bounded memory) and for tests:
 * generated chunk by chunk, so producing a large file never holds it in memory either.
 */
import { Rng } from '../util/rng';
import type { RecordShape } from './types';

const WORDS = (
  'the of and to in is was for on that with as by at from his her it an are were which this be or had not but ' +
  'model data train loss token layer weight rank alpha adapter gradient batch learning rate step epoch memory ' +
  'café naïve 東京 データ 🙂 über résumé'
).split(' ');

function sentence(rng: Rng, minWords: number, maxWords: number): string {
  const n = minWords + rng.nextInt(maxWords - minWords + 1);
  const words = Array.from({ length: n }, () => WORDS[rng.nextInt(WORDS.length)]);
  return `${words.join(' ')}.`;
}

function record(rng: Rng, shape: RecordShape): object {
  const q = sentence(rng, 4, 30);
  const a = sentence(rng, 4, 120);
  switch (shape) {
    case 'text':
      return { text: `${q} ${a}` };
    case 'prompt-completion':
      return { prompt: q, completion: a };
    case 'alpaca':
      return rng.nextInt(2)
        ? { instruction: q, input: sentence(rng, 2, 10), output: a }
        : { instruction: q, output: a };
    case 'chat':
      return {
        messages: [
          { role: 'user', content: q },
          { role: 'assistant', content: a },
        ],
      };
    case 'sharegpt':
      return {
        conversations: [
          { from: 'human', value: q },
          { from: 'gpt', value: a },
        ],
      };
    case 'preference':
      return { prompt: q, chosen: a, rejected: sentence(rng, 4, 120) };
  }
}

/** Size of the chunks the generator yields. */
const CHUNK_BYTES = 1 << 16;

/**
 * JSON Lines of about `bytes` bytes (whole records; the last may overshoot by one record), in chunks of ~64 KiB.
 * The same `seed` gives the same bytes. Returns the number of records when done.
 */
export function* generateSyntheticJsonl(
  bytes: number,
  seed: number,
  shape: RecordShape = 'chat',
): Generator<Uint8Array, number> {
  const rng = new Rng(seed);
  const enc = new TextEncoder();
  let written = 0;
  let records = 0;
  let parts: string[] = [];
  let partBytes = 0;
  while (written < bytes) {
    const line = `${JSON.stringify(record(rng, shape))}\n`;
    const size = enc.encode(line).byteLength;
    records++;
    written += size;
    parts.push(line);
    partBytes += size;
    if (partBytes >= CHUNK_BYTES) {
      yield enc.encode(parts.join(''));
      parts = [];
      partBytes = 0;
    }
  }
  if (parts.length) yield enc.encode(parts.join(''));
  return records;
}
