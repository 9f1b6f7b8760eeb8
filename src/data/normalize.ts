/**
 * Validation of one record against its file's mapping, producing one of the canonical forms (text, prompt, chat,
 * and preference pairs of prompt or chat answers). Every failure names the field at fault and what was expected.
 */
import type { ChatMessage, ChatRole } from '../tokenizer/types';
import type { AnswerExample, ColumnMapping, NormalizedExample } from './types';

/** A problem with one field of one record. */
export interface FieldError {
  field?: string;
  message: string;
}

/** A canonical example, or the field error that prevents one. */
export type NormalizeResult =
  { example: NormalizedExample; error?: undefined } | { example?: undefined; error: FieldError };

/** Role names seen in the wild, mapped onto the chat-template roles. */
const ROLE_ALIASES: Record<string, ChatRole> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  chatgpt: 'assistant',
  tool: 'tool',
  function: 'tool',
  observation: 'tool',
  ipython: 'tool',
};

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

class RecordError extends Error {
  constructor(readonly fieldError: FieldError) {
    super(fieldError.message);
  }
}

function fail(field: string | undefined, message: string): never {
  throw new RecordError({ field, message });
}

function str(rec: Record<string, unknown>, key: string | undefined, required: boolean): string | undefined {
  if (key === undefined) return undefined;
  const v = rec[key];
  if (v === undefined || v === null) {
    if (required) fail(key, v === null ? `field "${key}" is null; expected a string` : `missing field "${key}"`);
    return undefined;
  }
  if (typeof v !== 'string') fail(key, `field "${key}" must be a string, got ${typeOf(v)}`);
  return v;
}

function nonEmpty(rec: Record<string, unknown>, key: string | undefined, what: string): string {
  const v = str(rec, key, true) as string;
  if (v.trim() === '') fail(key, `empty ${what} (field "${key}")`);
  return v;
}

/** Message content: a string, or OpenAI's list of parts of which the text parts are kept. */
function content(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((p) => p && typeof p === 'object' && (p as { type?: unknown }).type === 'text')) {
    return v.map((p) => String((p as { text?: unknown }).text ?? '')).join('');
  }
  fail(path, `"${path}" must be a string, got ${typeOf(v)}`);
}

function messageList(raw: unknown, key: string): unknown[] {
  let v = raw;
  // CSV and some Parquet exports keep the conversation as a JSON string.
  if (typeof v === 'string' && v.trimStart().startsWith('[')) {
    try {
      v = JSON.parse(v);
    } catch (e) {
      fail(key, `field "${key}" holds a string that is not a valid JSON list of messages: ${(e as Error).message}`);
    }
  }
  if (v === undefined || v === null) fail(key, `missing field "${key}"`);
  if (!Array.isArray(v)) fail(key, `field "${key}" must be a list of messages, got ${typeOf(v)}`);
  if (v.length === 0) fail(key, `field "${key}" is an empty conversation`);
  return v;
}

/** OpenAI fine-tuning's per-message `weight`: 0 keeps an assistant turn as context only. */
function weightOf(msg: Record<string, unknown>, path: string, role: ChatRole): 0 | 1 {
  const w = msg.weight;
  if (w === undefined || w === null) return 1;
  if (w !== 0 && w !== 1) fail(`${path}.weight`, `"${path}.weight" must be 0 or 1, got ${JSON.stringify(w)}`);
  if (role !== 'assistant' && w === 0) return 1;
  return w;
}

function roleOf(msg: Record<string, unknown>, roleKey: string, path: string): ChatRole {
  const r = msg[roleKey];
  const field = `${path}.${roleKey}`;
  if (r === undefined) fail(field, `missing "${roleKey}" in ${path}`);
  if (typeof r !== 'string') fail(field, `"${field}" must be a string, got ${typeOf(r)}`);
  const role = ROLE_ALIASES[r.toLowerCase()];
  if (!role)
    fail(field, `unknown role "${r}" in ${path}; expected system, user, assistant or tool (ShareGPT: human, gpt)`);
  return role;
}

function messages(
  rec: Record<string, unknown>,
  m: ColumnMapping,
  key: string,
  untrained: number[] = [],
): ChatMessage[] {
  const roleKey = m.roleKey ?? 'role';
  const contentKey = m.contentKey ?? 'content';
  return messageList(rec[key], key).map((raw, i) => {
    const path = `${key}[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      fail(path, `${path} must be an object, got ${typeOf(raw)}`);
    const msg = raw as Record<string, unknown>;
    const role = roleOf(msg, roleKey, path);
    if (msg[contentKey] === undefined) fail(`${path}.${contentKey}`, `missing "${contentKey}" in ${path}`);
    if (weightOf(msg, path, role) === 0) untrained.push(i);
    return { role, content: content(msg[contentKey], `${path}.${contentKey}`) };
  });
}

function chat(rec: Record<string, unknown>, m: ColumnMapping): NormalizedExample {
  const key = m.fields.messages ?? 'messages';
  let untrained: number[] = [];
  const msgs = messages(rec, m, key, untrained);
  msgs.forEach((x, i) => {
    if (x.role === 'assistant' && x.content.trim() === '')
      fail(`${key}[${i}]`, `empty assistant message (${key}[${i}])`);
  });
  const trained = msgs.filter((x, i) => x.role === 'assistant' && !untrained.includes(i));
  if (trained.length === 0) {
    const why = msgs.some((x) => x.role === 'assistant')
      ? 'every assistant message has weight 0'
      : 'no assistant message';
    fail(key, `${why} in "${key}": nothing to train on`);
  }
  const system = str(rec, m.fields.system, false);
  if (system && !msgs.some((x) => x.role === 'system')) {
    msgs.unshift({ role: 'system', content: system });
    untrained = untrained.map((i) => i + 1);
  }
  return untrained.length ? { kind: 'chat', messages: msgs, untrained } : { kind: 'chat', messages: msgs };
}

function promptCompletion(rec: Record<string, unknown>, m: ColumnMapping): NormalizedExample {
  const pk = m.fields.prompt;
  const ck = m.fields.completion;
  // TRL's conversational prompt-completion: both sides are message lists.
  if (pk && ck && Array.isArray(rec[pk]) && Array.isArray(rec[ck])) {
    const chatMap: ColumnMapping = { shape: 'chat', fields: {}, roleKey: m.roleKey, contentKey: m.contentKey };
    const all = [...messages(rec, chatMap, pk), ...messages(rec, chatMap, ck)];
    return chat(
      { messages: all.map((x) => ({ role: x.role, content: x.content })) },
      { shape: 'chat', fields: { messages: 'messages' } },
    );
  }
  const prompt = str(rec, pk, true) as string;
  const completion = nonEmpty(rec, ck, 'completion');
  return { kind: 'prompt', prompt, completion, system: str(rec, m.fields.system, false) };
}

function alpaca(rec: Record<string, unknown>, m: ColumnMapping): NormalizedExample {
  const prompt = nonEmpty(rec, m.fields.instruction, 'instruction');
  const completion = nonEmpty(rec, m.fields.output, 'output');
  const input = str(rec, m.fields.input, false);
  return { kind: 'prompt', prompt, completion, input: input || undefined, system: str(rec, m.fields.system, false) };
}

/** A chosen/rejected value as messages: a list of messages, or a string meaning one assistant turn. */
function answerMessages(rec: Record<string, unknown>, m: ColumnMapping, key: string): ChatMessage[] {
  const v = rec[key];
  if (typeof v === 'string') {
    if (v.trim() === '') fail(key, `empty answer (field "${key}")`);
    return [{ role: 'assistant', content: v }];
  }
  return messages(rec, m, key);
}

/** The side of a pair: the prompt messages then the answer; only the answer's assistant turns are trained. */
function side(prompt: ChatMessage[], answer: ChatMessage[], key: string): AnswerExample {
  if (!answer.some((x) => x.role === 'assistant')) fail(key, `"${key}" has no assistant message to score`);
  answer.forEach((x, i) => {
    if (x.role === 'assistant' && x.content.trim() === '') fail(key, `empty assistant message (${key}[${i}])`);
  });
  const all = [...prompt, ...answer];
  const untrained = prompt.flatMap((x, i) => (x.role === 'assistant' ? [i] : []));
  return untrained.length ? { kind: 'chat', messages: all, untrained } : { kind: 'chat', messages: all };
}

/**
 * TRL's preference records: an explicit prompt (string or messages) with two answers (strings or messages), or,
 * without a prompt, two whole conversations whose shared opening is the prompt (TRL's `maybe_extract_prompt`).
 * Plain strings throughout give two prompt/completion examples, rendered with the dataset's template.
 */
function preference(rec: Record<string, unknown>, m: ColumnMapping): NormalizedExample {
  const ck = m.fields.chosen ?? 'chosen';
  const rk = m.fields.rejected ?? 'rejected';
  const pk = m.fields.prompt;
  const system = str(rec, m.fields.system, false);
  const promptValue = pk === undefined ? undefined : rec[pk];
  if (typeof promptValue === 'string' && typeof rec[ck] === 'string' && typeof rec[rk] === 'string') {
    const completion = (key: string) => nonEmpty(rec, key, 'answer');
    return {
      kind: 'preference',
      chosen: { kind: 'prompt', prompt: promptValue, completion: completion(ck), system },
      rejected: { kind: 'prompt', prompt: promptValue, completion: completion(rk), system },
    };
  }
  let prompt: ChatMessage[];
  let chosen = answerMessages(rec, m, ck);
  let rejected = answerMessages(rec, m, rk);
  if (promptValue === undefined || promptValue === null) {
    if (typeof rec[ck] === 'string')
      fail(pk ?? 'prompt', `missing field "${pk ?? 'prompt'}": plain-text answers need a prompt`);
    let shared = 0;
    while (shared < Math.min(chosen.length, rejected.length) - 1 && sameMessage(chosen[shared], rejected[shared]))
      shared++;
    if (shared === 0)
      fail(ck, `"${ck}" and "${rk}" share no opening messages and there is no "prompt": nothing says what they answer`);
    prompt = chosen.slice(0, shared);
    chosen = chosen.slice(shared);
    rejected = rejected.slice(shared);
  } else {
    prompt = typeof promptValue === 'string' ? [{ role: 'user', content: promptValue }] : messages(rec, m, pk!);
  }
  if (system && !prompt.some((x) => x.role === 'system')) prompt.unshift({ role: 'system', content: system });
  return { kind: 'preference', chosen: side(prompt, chosen, ck), rejected: side(prompt, rejected, rk) };
}

function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  return a.role === b.role && a.content === b.content;
}

/** Validates `rec` against `mapping`; never throws. */
export function normalizeRecord(rec: Record<string, unknown>, mapping: ColumnMapping): NormalizeResult {
  try {
    switch (mapping.shape) {
      case 'text':
        return { example: { kind: 'text', text: nonEmpty(rec, mapping.fields.text, 'text') } };
      case 'prompt-completion':
        return { example: promptCompletion(rec, mapping) };
      case 'alpaca':
        return { example: alpaca(rec, mapping) };
      case 'chat':
      case 'sharegpt':
        return { example: chat(rec, mapping) };
      case 'preference':
        return { example: preference(rec, mapping) };
    }
  } catch (e) {
    if (e instanceof RecordError) return { error: e.fieldError };
    throw e;
  }
}
