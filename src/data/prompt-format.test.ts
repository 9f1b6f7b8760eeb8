import { describe, expect, it } from 'vitest';
import { describePromptFormat, formatPrompt, isPromptFormat, PLAIN_TEMPLATE, promptFormatOf } from './prompt-format';
import { CHAT_TEMPLATE, DEFAULT_PROMPT_TEMPLATE } from './template';

describe('prompt format', () => {
  it('follows the shape: chat records use the chat template, text stays plain, prompt pairs use the chosen template', () => {
    expect(promptFormatOf('chat', '{prompt}', true)).toEqual({ template: CHAT_TEMPLATE });
    expect(promptFormatOf('sharegpt', undefined, true, { enable_thinking: false })).toEqual({ template: CHAT_TEMPLATE, templateVariables: { enable_thinking: false } });
    expect(promptFormatOf('text', CHAT_TEMPLATE, true)).toEqual({ template: PLAIN_TEMPLATE });
    // Prompt/completion without a choice: the model's chat template when it has one, else the Alpaca default.
    expect(promptFormatOf('prompt-completion', undefined, true)).toEqual({ template: CHAT_TEMPLATE });
    expect(promptFormatOf('alpaca', '', false)).toEqual({ template: DEFAULT_PROMPT_TEMPLATE });
    expect(promptFormatOf('prompt-completion', 'Q: {prompt}\nA:', true, { enable_thinking: false })).toEqual({ template: 'Q: {prompt}\nA:' });
  });

  it('renders a user prompt the way training rendered prompts', () => {
    expect(formatPrompt({ template: CHAT_TEMPLATE }, 'Hi', true)).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(formatPrompt({ template: CHAT_TEMPLATE, templateVariables: { x: 1 } }, 'Hi', true)).toEqual({
      messages: [{ role: 'user', content: 'Hi' }],
      templateVariables: { x: 1 },
    });
    // A model without a chat template cannot take a conversation: the prompt stays plain.
    expect(formatPrompt({ template: CHAT_TEMPLATE }, 'Hi', false)).toEqual({ prompt: 'Hi' });
    expect(formatPrompt({ template: PLAIN_TEMPLATE }, 'The sea', true)).toEqual({ prompt: 'The sea' });
    // The Alpaca default drops the empty system and input paragraphs.
    expect(formatPrompt({ template: DEFAULT_PROMPT_TEMPLATE }, 'Add 2 and 2', false)).toEqual({ prompt: '### Instruction:\nAdd 2 and 2\n\n### Response:\n' });
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
