/**
 * How a dataset's prompts were rendered for training, kept with the dataset and the adapter trained on it, so that
 * sample generations and the Generate section give the adapter its prompts in the same form it learned them.
 * A prompt/completion pair trained inside the chat template and sampled as plain text looks broken, though the
 * adapter is fine (issue 15).
 */
import type { ChatMessage } from '../tokenizer/types';
import { CHAT_TEMPLATE, defaultTemplate, renderPromptTemplate } from './template';
import type { RecordShape } from './types';

/** The prompt template that leaves a prompt as it is: plain `{prompt}{completion}`, and plain text data. */
export const PLAIN_TEMPLATE = '{prompt}';

/** How prompts are rendered: through the model's chat template (`'chat'`) or a prompt template. */
export interface PromptFormat {
  /** `'chat'`, or a prompt template with `{prompt}` (`'{prompt}'` = plain text). */
  template: string;
  /** Extra chat-template inputs the data was rendered with (Qwen3's `enable_thinking: false`). */
  templateVariables?: Record<string, unknown>;
}

/** What a generation takes for one prompt in a given format: plain text, or a conversation. */
export type FormattedPrompt = { prompt: string } | { messages: ChatMessage[]; templateVariables?: Record<string, unknown> };

/**
 * The format examples of `shape` were rendered in, given the prompt template the preparation used (`template`,
 * the user's choice or, when undefined, the model's default). Chat records always go through the chat template;
 * plain text is continued as it is; only prompt/completion and Alpaca records use the prompt template.
 */
export function promptFormatOf(
  shape: RecordShape | string | null,
  template: string | undefined,
  hasChatTemplate: boolean,
  templateVariables?: Record<string, unknown>,
): PromptFormat {
  const vars = templateVariables && Object.keys(templateVariables).length > 0 ? { templateVariables } : {};
  if (shape === 'chat' || shape === 'sharegpt') return { template: CHAT_TEMPLATE, ...vars };
  if (shape === 'prompt-completion' || shape === 'alpaca') {
    const t = template || defaultTemplate(hasChatTemplate);
    return t === CHAT_TEMPLATE ? { template: t, ...vars } : { template: t };
  }
  return { template: PLAIN_TEMPLATE };
}

/**
 * One user prompt in `format`: a user turn for the chat template (when the model has one), else the prompt
 * template filled in. The result is what `generate` takes.
 */
export function formatPrompt(format: PromptFormat, prompt: string, hasChatTemplate: boolean): FormattedPrompt {
  if (format.template === CHAT_TEMPLATE) {
    if (!hasChatTemplate) return { prompt };
    const messages: ChatMessage[] = [{ role: 'user', content: prompt }];
    return format.templateVariables ? { messages, templateVariables: format.templateVariables } : { messages };
  }
  return { prompt: renderPromptTemplate(format.template, { prompt }) };
}

/** A few words for the UI: "chat template", "plain {prompt}{completion}", or the custom template itself. */
export function describePromptFormat(format: PromptFormat): string {
  if (format.template === CHAT_TEMPLATE) return 'the chat template';
  if (format.template === PLAIN_TEMPLATE) return 'plain {prompt}{completion}';
  return `the template ${JSON.stringify(format.template)}`;
}

/** True when `value` has the shape of a stored {@link PromptFormat} (records written before it lack one). */
export function isPromptFormat(value: unknown): value is PromptFormat {
  return typeof value === 'object' && value !== null && typeof (value as PromptFormat).template === 'string';
}
