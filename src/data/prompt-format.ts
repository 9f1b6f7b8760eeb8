/**
 * How a dataset's prompts were rendered for training, kept with the dataset and the adapter trained on it, so that
 * sample generations and the Generate section give the adapter its prompts in the same form it learned them.
 * A prompt/completion pair trained inside the chat template and sampled as plain text looks broken, though the
 * adapter is fine (issue 15).
 */
import type { PromptFormat } from '../spec/prompt-format';
import type { ChatMessage, TextTokenizer } from '../tokenizer/types';
import { CHAT_TEMPLATE, defaultTemplate, renderPromptTemplate } from './template';
import type { RecordShape, TokenizedExample } from './types';

/** The prompt template that leaves a prompt as it is: plain `{prompt}{completion}`, and plain text data. */
export const PLAIN_TEMPLATE = '{prompt}';

export type { PromptFormat };

/** What a generation takes for one prompt in a given format: plain text, or a conversation. */
export type FormattedPrompt =
  { prompt: string } | { messages: ChatMessage[]; templateVariables?: Record<string, unknown> };

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

/** Tokens of a plain-text example offered as the prompt to continue. */
const TEXT_PROMPT_TOKENS = 8;

/** Stands for the prompt when a template is rendered to find what surrounds it. */
const PROBE = '\u0001';

/**
 * The user's prompt of a tokenized example, recovered from its ids: the tokens before the first loss token are
 * the rendered prompt; rendering the format around a probe tells what text precedes and follows the prompt there.
 * What the Train section offers as sample prompts, taken from the eval split (examples the adapter never trains
 * on). Null when the example does not look like `format` rendered it (packed rows, plain text with loss on every
 * token).
 */
export function promptOfExample(format: PromptFormat, tok: TextTokenizer, ex: TokenizedExample): string | null {
  const firstLoss = ex.lossMask.indexOf(1);
  // Plain text trains on every token: its opening words make the prompt to continue.
  const end =
    format.template === PLAIN_TEMPLATE && firstLoss === 1 ? Math.min(TEXT_PROMPT_TOKENS, ex.ids.length) : firstLoss;
  if (end <= 0) return null;
  const chat = format.template === CHAT_TEMPLATE;
  if (chat && !tok.hasChatTemplate) return null;
  // The chat template's markers are special tokens: keep them to find the user turn.
  const text = tok.decode(Array.from(ex.ids.subarray(0, end)), { skipSpecialTokens: !chat });
  const rendered = chat
    ? tok.applyChatTemplate([{ role: 'user', content: PROBE }], {
        addGenerationPrompt: true,
        templateVariables: format.templateVariables,
      })
    : renderPromptTemplate(format.template, { prompt: PROBE });
  const at = rendered.indexOf(PROBE);
  const before = rendered.slice(0, at);
  const after = rendered.slice(at + PROBE.length);
  if (!text.endsWith(after)) return null;
  const body = text.slice(0, text.length - after.length);
  // The longest end of `before` found in the text marks where the (last) prompt starts.
  for (let n = before.length; n > 0; n--) {
    const k = body.lastIndexOf(before.slice(-n));
    if (k >= 0) return body.slice(k + n).trim() || null;
  }
  return body.trim() || null;
}
