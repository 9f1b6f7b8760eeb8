/**
 * Chat templates: the Jinja program a model ships in `tokenizer_config.json` (`chat_template`, a string or a list
 * of named templates) or in `chat_template.jinja`, rendered with @huggingface/jinja with the same variables
 * transformers' `apply_chat_template` provides.
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import type { ChatMessage } from './types';
import { strftime } from './strftime';

/** The special-token strings a template may reference (`bos_token`, `eos_token`, ...). */
export interface TemplateSpecialTokens {
  bos_token: string | null;
  eos_token: string | null;
  pad_token: string | null;
  unk_token: string | null;
  additional_special_tokens: string[];
}

/** Raised by a template's `raise_exception(...)` (e.g. "Conversation roles must alternate user/assistant"). */
export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}

/**
 * Picks the template source from `tokenizer_config.json`'s `chat_template`: a string, or a list of
 * `{ name, template }` of which transformers uses `default`. Returns null when the model has none.
 */
export function selectChatTemplate(raw: unknown, label: string): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return raw.length > 0 ? raw : null;
  if (Array.isArray(raw)) {
    const named = raw.filter(
      (t): t is { name: string; template: string } =>
        typeof t === 'object' && t !== null && typeof t.name === 'string' && typeof t.template === 'string',
    );
    if (named.length !== raw.length) throw new Error(`${label}: chat_template list entries must be { name, template }`);
    const chosen = named.find((t) => t.name === 'default');
    if (!chosen) {
      throw new Error(
        `${label}: chat_template has no 'default' template (found: ${named.map((t) => t.name).join(', ')})`,
      );
    }
    return chosen.template;
  }
  throw new Error(`${label}: chat_template must be a string or a list of { name, template }, got ${typeof raw}`);
}

/** Python's `range`, as the jinja globals provide it. */
function range(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new ChatTemplateError('range() step must not be zero');
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
}

/**
 * The globals of `Template.render` plus our inputs. Built by hand because `render` declares its own
 * `raise_exception` and (host-locale) `strftime_now`, which cannot be redeclared.
 */
function templateEnvironment(inputs: Record<string, unknown>): Environment {
  const env = new Environment();
  const globals: Record<string, unknown> = {
    true: true,
    false: false,
    none: null,
    True: true,
    False: false,
    None: null,
    range,
  };
  for (const [name, value] of Object.entries({ ...globals, ...inputs })) env.set(name, value);
  return env;
}

/** A parsed chat template; parse once, render per conversation. */
export class ChatTemplate {
  private readonly template: Template;

  constructor(
    source: string,
    private readonly tokens: TemplateSpecialTokens,
    label: string,
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new Error(`${label}: chat template does not parse (${(e as Error).message})`);
    }
  }

  /** Renders `messages`; `variables` adds template inputs such as Qwen3's `enable_thinking`. */
  render(
    messages: readonly ChatMessage[],
    addGenerationPrompt: boolean,
    variables: Record<string, unknown> = {},
  ): string {
    if (messages.length === 0) throw new ChatTemplateError('cannot render an empty conversation');
    const inputs: Record<string, unknown> = {
      ...this.tokens,
      ...variables,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: addGenerationPrompt,
      tools: null,
      documents: null,
      raise_exception: (message: unknown) => {
        throw new ChatTemplateError(`chat template refused the conversation: ${String(message)}`);
      },
      strftime_now: (format: string) => strftime(new Date(), format),
    };
    try {
      return new Interpreter(templateEnvironment(inputs)).run(this.template.parsed).value as string;
    } catch (e) {
      if (e instanceof ChatTemplateError) throw e;
      throw new ChatTemplateError(`chat template failed to render: ${(e as Error).message}`);
    }
  }
}
