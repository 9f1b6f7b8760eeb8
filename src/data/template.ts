/**
 * The editable prompt template for prompt/completion and Alpaca data. A template is plain text with placeholders
 * `{system}`, `{prompt}` (alias `{instruction}`) and `{input}`; it is split into paragraphs on blank lines and a
 * paragraph whose placeholder has no value is left out, so one template serves records with and without an
 * Alpaca `input` or a system prompt. The completion follows the rendered prompt directly.
 *
 * The special value `'chat'` renders the pair through the model's own chat template instead (system → user →
 * assistant), which is what the model will see at inference in the studio's chat.
 */

/** Use the tokenizer's chat template. */
export const CHAT_TEMPLATE = 'chat';

/** The Alpaca-style default for models without a chat template (base models). */
export const DEFAULT_PROMPT_TEMPLATE =
  '{system}\n\n### Instruction:\n{prompt}\n\n### Input:\n{input}\n\n### Response:\n';

const PLACEHOLDER = /\{(system|prompt|instruction|input)\}/g;

/** Values a template is filled with. */
export interface TemplateValues {
  system?: string;
  prompt: string;
  input?: string;
}

/** The template to use when the user chose none: the model's chat template when it has one. */
export function defaultTemplate(hasChatTemplate: boolean): string {
  return hasChatTemplate ? CHAT_TEMPLATE : DEFAULT_PROMPT_TEMPLATE;
}

/** Why a template cannot be used, or null. A template must place the prompt. */
export function templateError(template: string): string | null {
  if (template === CHAT_TEMPLATE) return null;
  if (!/\{(prompt|instruction)\}/.test(template))
    return 'the prompt template has no {prompt} (or {instruction}) placeholder';
  const unknown = /\{([a-zA-Z_]+)\}/g;
  for (let m = unknown.exec(template); m; m = unknown.exec(template)) {
    if (!['system', 'prompt', 'instruction', 'input'].includes(m[1])) {
      return `the prompt template has an unknown placeholder {${m[1]}}; use {system}, {prompt}, {instruction} or {input}`;
    }
  }
  return null;
}

function valueOf(name: string, v: TemplateValues): string | undefined {
  if (name === 'prompt' || name === 'instruction') return v.prompt;
  return name === 'system' ? v.system : v.input;
}

/** The prompt text for one record; paragraphs whose placeholders are all empty are dropped. */
export function renderPromptTemplate(template: string, values: TemplateValues): string {
  const paragraphs = template.split('\n\n');
  const kept: string[] = [];
  for (const p of paragraphs) {
    const names = [...p.matchAll(PLACEHOLDER)].map((m) => m[1]);
    if (names.length > 0 && names.every((n) => !valueOf(n, values))) continue;
    kept.push(p.replace(PLACEHOLDER, (_, n: string) => valueOf(n, values) ?? ''));
  }
  return kept.join('\n\n');
}
