import { describe, expect, it } from 'vitest';
import {
  describePromptFormat,
  formatPrompt,
  isPromptFormat,
  PLAIN_TEMPLATE,
  promptFormatOf,
  promptOfExample,
} from './prompt-format';
import { renderExample } from './render';
import { charTokenizer, qwen3Tokenizer } from './test-inputs.node.js';
import { CHAT_TEMPLATE, DEFAULT_PROMPT_TEMPLATE } from './template';

describe('prompt format', () => {
  it('follows the shape: chat records use the chat template, text stays plain, prompt pairs use the chosen template', () => {
    expect(promptFormatOf('chat', '{prompt}', true)).toEqual({ template: CHAT_TEMPLATE });
    expect(promptFormatOf('sharegpt', undefined, true, { enable_thinking: false })).toEqual({
      template: CHAT_TEMPLATE,
      templateVariables: { enable_thinking: false },
    });
    expect(promptFormatOf('text', CHAT_TEMPLATE, true)).toEqual({ template: PLAIN_TEMPLATE });
    // Prompt/completion without a choice: the model's chat template when it has one, else the Alpaca default.
    expect(promptFormatOf('prompt-completion', undefined, true)).toEqual({ template: CHAT_TEMPLATE });
    expect(promptFormatOf('alpaca', '', false)).toEqual({ template: DEFAULT_PROMPT_TEMPLATE });
    expect(promptFormatOf('prompt-completion', 'Q: {prompt}\nA:', true, { enable_thinking: false })).toEqual({
      template: 'Q: {prompt}\nA:',
    });
  });

  it('renders a user prompt the way training rendered prompts', () => {
    expect(formatPrompt({ template: CHAT_TEMPLATE }, 'Hi', true)).toEqual({
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(formatPrompt({ template: CHAT_TEMPLATE, templateVariables: { x: 1 } }, 'Hi', true)).toEqual({
      messages: [{ role: 'user', content: 'Hi' }],
      templateVariables: { x: 1 },
    });
    // A model without a chat template cannot take a conversation: the prompt stays plain.
    expect(formatPrompt({ template: CHAT_TEMPLATE }, 'Hi', false)).toEqual({ prompt: 'Hi' });
    expect(formatPrompt({ template: PLAIN_TEMPLATE }, 'The sea', true)).toEqual({ prompt: 'The sea' });
    // The Alpaca default drops the empty system and input paragraphs.
    expect(formatPrompt({ template: DEFAULT_PROMPT_TEMPLATE }, 'Add 2 and 2', false)).toEqual({
      prompt: '### Instruction:\nAdd 2 and 2\n\n### Response:\n',
    });
  });

  it('describes itself and recognises stored values', () => {
    expect(describePromptFormat({ template: CHAT_TEMPLATE })).toBe('the chat template');
    expect(describePromptFormat({ template: PLAIN_TEMPLATE })).toBe('plain {prompt}{completion}');
    expect(describePromptFormat({ template: 'Q: {prompt}' })).toBe('the template "Q: {prompt}"');
    expect(isPromptFormat({ template: 'chat' })).toBe(true);
    expect(isPromptFormat(undefined)).toBe(false);
    expect(isPromptFormat({ template: 3 })).toBe(false);
  });
});

describe('prompt of a tokenized example', () => {
  const pair = { kind: 'prompt' as const, prompt: "Ship's log: 3 May.", completion: ' {"ship":"x"}' };

  it('recovers the user prompt from the chat template, the instruction template, a custom one and plain', () => {
    const qwen = qwen3Tokenizer();
    const chat = renderExample(pair, qwen, { template: CHAT_TEMPLATE, completionOnly: true });
    expect(promptOfExample({ template: CHAT_TEMPLATE }, qwen, chat)).toBe("Ship's log: 3 May.");
    const tok = charTokenizer();
    for (const template of [DEFAULT_PROMPT_TEMPLATE, 'Log: {prompt}\nJSON:', PLAIN_TEMPLATE]) {
      const ex = renderExample(pair, tok, { template, completionOnly: true });
      expect(promptOfExample({ template }, tok, ex), template).toBe("Ship's log: 3 May.");
    }
  });

  it('plain text offers its opening tokens; an example with no prompt gives null', () => {
    const tok = charTokenizer();
    const text = renderExample({ kind: 'text', text: 'Call me Ishmael. Some years ago' }, tok, {
      template: PLAIN_TEMPLATE,
      completionOnly: true,
    });
    expect(promptOfExample({ template: PLAIN_TEMPLATE }, tok, text)).toBe('Call me');
    expect(
      promptOfExample({ template: PLAIN_TEMPLATE }, tok, {
        ids: new Int32Array([1, 2]),
        lossMask: new Uint8Array([1, 1]),
      }),
    ).toBeNull();
  });
});
