import { describe, expect, it } from 'vitest';
import { createTokenizer, loadTokenizer } from './load';
import { memoryFiles } from '../formats/memory-files';
import { strftime } from './strftime';
import { sentencePieceJson } from '../test-utils/sentencepiece-json';

/** A tiny SentencePiece-style BPE (Metaspace + byte fallback) with Llama-2 special tokens. */
const tinyJson = sentencePieceJson(
  {
    '<unk>': 0,
    '<s>': 1,
    '</s>': 2,
    '▁': 3,
    h: 4,
    i: 5,
    '▁h': 6,
    '▁hi': 7,
    t: 8,
    '▁t': 9,
    here: 10,
    e: 11,
    r: 12,
    he: 13,
    her: 14,
  },
  ['▁ h', '▁h i', '▁ t', 'h e', 'he r', 'her e'],
);
const tinyConfig = {
  bos_token: { __type: 'AddedToken', content: '<s>' },
  eos_token: '</s>',
  unk_token: '<unk>',
  pad_token: null,
};

describe('createTokenizer', () => {
  it('reads AddedToken-object special tokens and the post-processor BOS', () => {
    const tok = createTokenizer(tinyJson, tinyConfig);
    expect(tok.bosTokenId).toBe(1);
    expect(tok.eosTokenIds).toEqual([2]);
    expect(tok.padTokenId).toBeNull();
    expect(tok.vocabSize).toBe(15);
    expect(tok.encode('hi')).toEqual([1, 7]);
    expect(tok.encode('hi', { addSpecialTokens: false })).toEqual([7]);
    expect(tok.decode([1, 7, 9, 10, 2])).toBe('<s> hi there</s>');
    expect(tok.decode([1, 7, 9, 10, 2], { skipSpecialTokens: true })).toBe('hi there');
    expect(tok.decode([])).toBe('');
    expect(tok.decode([7, 999])).toBe('hi');
  });

  it('honours explicit add_bos_token / add_eos_token over the post-processor', () => {
    expect(createTokenizer(tinyJson, { ...tinyConfig, add_bos_token: false }).encode('hi')).toEqual([7]);
    expect(createTokenizer(tinyJson, { ...tinyConfig, add_eos_token: true }).encode('hi')).toEqual([1, 7, 2]);
    expect(
      createTokenizer(tinyJson, { ...tinyConfig, add_eos_token: true }).encode('hi', { addSpecialTokens: false }),
    ).toEqual([7]);
  });

  it('falls back to generation_config ids and dedupes EOS', () => {
    const tok = createTokenizer(
      tinyJson,
      { unk_token: '<unk>', eos_token: '</s>' },
      { bos_token_id: 1, eos_token_id: [2, 2], pad_token_id: 0 },
    );
    expect(tok.bosTokenId).toBe(1);
    expect(tok.eosTokenIds).toEqual([2]);
    expect(tok.padTokenId).toBe(0);
  });

  it('says clearly when there is no chat template', () => {
    const tok = createTokenizer(tinyJson, tinyConfig, undefined, { label: '/models/tiny' });
    expect(tok.hasChatTemplate).toBe(false);
    expect(() => tok.applyChatTemplate([{ role: 'user', content: 'hi' }])).toThrow(
      '/models/tiny: this model has no chat template; use plain prompt/completion',
    );
  });

  it('picks the default of a list of named templates and exposes raise_exception', () => {
    const tok = createTokenizer(tinyJson, {
      ...tinyConfig,
      chat_template: [
        { name: 'tool_use', template: 'TOOLS' },
        {
          name: 'default',
          template:
            "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}",
        },
      ],
    });
    expect(tok.applyChatTemplate([{ role: 'user', content: 'hi' }])).toBe('<s>[user]hi</s>');
    expect(() => tok.applyChatTemplate([{ role: 'system', content: 'x' }])).toThrow(/System role not supported/);
    expect(() => createTokenizer(tinyJson, { chat_template: [{ name: 'rag', template: 'x' }] })).toThrow(
      /no 'default' template/,
    );
  });

  // Expected chat texts here and in real-tokenizers.test.ts were rendered independently with Python jinja2 as
  // transformers configures it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks).
  it("renders SmolLM2's published template, default system prompt included", () => {
    const smol =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
    const tok = createTokenizer(tinyJson, { ...tinyConfig, chat_template: smol });
    expect(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' +
        '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('renders a Llama 2 [INST] template and surfaces its role-alternation error', () => {
    const llama2 =
      "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
    const tok = createTokenizer(tinyJson, { ...tinyConfig, chat_template: llama2 });
    const text = tok.applyChatTemplate([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: ' Hi ' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'Bye' },
    ]);
    expect(text).toBe('<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi [/INST] Hello </s><s>[INST] Bye [/INST]');
    expect(() =>
      tok.applyChatTemplate([
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ]),
    ).toThrow(
      'chat template refused the conversation: Conversation roles must alternate user/assistant/user/assistant/...',
    );
  });

  it('gives templates range() and a locale-independent strftime_now', () => {
    const tok = createTokenizer(tinyJson, {
      ...tinyConfig,
      chat_template: "{% for i in range(3) %}{{ i }}{% endfor %}|{{ strftime_now('%Y') }}",
    });
    expect(tok.applyChatTemplate([{ role: 'user', content: '' }])).toBe(`012|${new Date().getFullYear()}`);
    const d = new Date(2024, 6, 4, 15, 5, 9);
    expect(strftime(d, '%d %b %Y, %A %B %H:%M:%S %I%p %j %% %Q')).toBe(
      '04 Jul 2024, Thursday July 15:05:09 03PM 186 % %Q',
    );
  });

  it('names the file when tokenizer.json is malformed', () => {
    expect(() => createTokenizer({ version: '1.0' }, {}, undefined, { label: '/m' })).toThrow(
      /\/m\/tokenizer\.json: malformed tokenizer\.json/,
    );
    expect(() => createTokenizer({ model: { type: 'BPE', vocab: { a: 0 } } }, {}, undefined, { label: '/m' })).toThrow(
      /\/m\/tokenizer\.json: malformed/,
    );
    expect(() => createTokenizer([] as unknown as object, {}, undefined, { label: '/m' })).toThrow(
      /\/m\/tokenizer\.json/,
    );
  });
});

describe('loadTokenizer', () => {
  it('reports missing and invalid files by name', async () => {
    await expect(loadTokenizer(memoryFiles({ 'config.json': '{}' }, '/m'))).rejects.toThrow(
      '/m: tokenizer.json is missing',
    );
    await expect(loadTokenizer(memoryFiles({ 'tokenizer.json': '{ nope' }, '/m'))).rejects.toThrow(
      '/m/tokenizer.json: not valid JSON',
    );
  });

  it('works without tokenizer_config.json', async () => {
    const tok = await loadTokenizer(memoryFiles({ 'tokenizer.json': JSON.stringify(tinyJson) }, '/m'));
    expect(tok.encode('hi')).toEqual([1, 7]);
    expect(tok.bosTokenId).toBeNull();
  });
});
