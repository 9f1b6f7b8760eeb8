/**
 * Record-shape detection: which of text / prompt-completion / Alpaca / chat / ShareGPT a record is, and which of
 * its keys feed which field (`ColumnMapping`). Keys match case-insensitively so CSV headers like "Question" work.
 */
import type { ColumnMapping, FieldRole, RecordShape } from './types';

/** Fields each shape cannot do without. */
export const REQUIRED_FIELDS: Record<RecordShape, FieldRole[]> = {
  text: ['text'],
  'prompt-completion': ['prompt', 'completion'],
  alpaca: ['instruction', 'output'],
  chat: ['messages'],
  sharegpt: ['messages'],
  preference: ['chosen', 'rejected'],
};

/** Human names of the shapes, for the UI and the CLI. */
export const SHAPE_LABELS: Record<RecordShape, string> = {
  text: 'plain text {"text"}',
  'prompt-completion': 'prompt/completion {"prompt","completion"}',
  alpaca: 'Alpaca {"instruction","input","output"}',
  chat: 'chat {"messages":[{"role","content"}]}',
  sharegpt: 'ShareGPT {"conversations":[{"from","value"}]}',
  preference: 'preference {"prompt","chosen","rejected"}',
};

/** Column-name pairs accepted as prompt/completion, in order of preference. */
const PROMPT_PAIRS: [string, string][] = [
  ['prompt', 'completion'],
  ['prompt', 'response'],
  ['question', 'answer'],
  ['query', 'response'],
  ['input', 'output'],
  ['input', 'target'],
  ['source', 'target'],
];

function keyFinder(keys: readonly string[]): (name: string) => string | undefined {
  const lower = new Map<string, string>();
  for (const k of keys) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), k);
  return (name) => lower.get(name);
}

function chatMapping(key: string, sample: unknown): ColumnMapping {
  const first = Array.isArray(sample)
    ? (sample.find((m) => m && typeof m === 'object') as Record<string, unknown>)
    : undefined;
  const shareGpt = first ? 'from' in first || 'value' in first : key.toLowerCase() === 'conversations';
  return shareGpt
    ? { shape: 'sharegpt', fields: { messages: key }, roleKey: 'from', contentKey: 'value' }
    : { shape: 'chat', fields: { messages: key }, roleKey: 'role', contentKey: 'content' };
}

/**
 * Adds optional fields: the key found in this record, else the canonical name, because the first record may
 * simply lack an optional field ("input", "system") that later records have.
 */
function withOptional(
  m: ColumnMapping,
  find: (n: string) => string | undefined,
  extra: [FieldRole, string][],
): ColumnMapping {
  for (const [role, name] of extra) {
    const k = find(name);
    if (k !== undefined && m.fields[role] === undefined && !Object.values(m.fields).includes(k)) m.fields[role] = k;
  }
  for (const [role, name] of extra)
    if (m.fields[role] === undefined && !Object.values(m.fields).includes(name)) m.fields[role] = name;
  return m;
}

/**
 * The mapping a record's keys suggest, or null when no shape fits. `value` lets chat detection peek at the first
 * message to tell OpenAI `role`/`content` from ShareGPT `from`/`value`.
 */
export function detectMapping(keys: readonly string[], value?: Record<string, unknown>): ColumnMapping | null {
  const find = keyFinder(keys);
  const chosen = find('chosen');
  const rejected = find('rejected');
  if (chosen !== undefined && rejected !== undefined) {
    const m: ColumnMapping = {
      shape: 'preference',
      fields: { chosen, rejected },
      roleKey: 'role',
      contentKey: 'content',
    };
    return withOptional(m, find, [
      ['prompt', 'prompt'],
      ['prompt', 'question'],
      ['prompt', 'instruction'],
      ['system', 'system'],
    ]);
  }
  for (const name of ['messages', 'conversations', 'conversation', 'chat']) {
    const k = find(name);
    if (k !== undefined) return withOptional(chatMapping(k, value?.[k]), find, [['system', 'system']]);
  }
  const instruction = find('instruction');
  const output = find('output') ?? find('response');
  if (instruction !== undefined && output !== undefined) {
    const m: ColumnMapping = { shape: 'alpaca', fields: { instruction, output } };
    return withOptional(m, find, [
      ['input', 'input'],
      ['input', 'context'],
      ['system', 'system'],
    ]);
  }
  for (const [p, c] of PROMPT_PAIRS) {
    const prompt = find(p);
    const completion = find(c);
    if (prompt !== undefined && completion !== undefined) {
      return withOptional({ shape: 'prompt-completion', fields: { prompt, completion } }, find, [['system', 'system']]);
    }
  }
  const text = find('text') ?? find('content');
  if (text !== undefined) return { shape: 'text', fields: { text } };
  return null;
}

/** True when `record` has every required key of `mapping` (values are checked later, by normalization). */
export function hasRequiredKeys(mapping: ColumnMapping, record: Record<string, unknown>): boolean {
  return REQUIRED_FIELDS[mapping.shape].every((f) => {
    const k = mapping.fields[f];
    return k !== undefined && record[k] !== undefined;
  });
}

/** The first required key of `mapping` that `record` lacks. */
export function missingKey(mapping: ColumnMapping, record: Record<string, unknown>): string | undefined {
  for (const f of REQUIRED_FIELDS[mapping.shape]) {
    const k = mapping.fields[f] ?? f;
    if (record[k] === undefined) return k;
  }
  return undefined;
}

/** The required keys of `mapping`, quoted: `"prompt" and "completion"`. */
export function requiredKeys(m: ColumnMapping): string {
  return REQUIRED_FIELDS[m.shape].map((f) => `"${m.fields[f] ?? f}"`).join(' and ');
}

/** `prompt ← "question", completion ← "answer"`: what the UI shows next to the detected shape. */
export function describeMapping(m: ColumnMapping): string {
  const parts = Object.entries(m.fields).map(([role, key]) => (role === key ? role : `${role} ← "${key}"`));
  if (m.roleKey && m.roleKey !== 'role') parts.push(`role ← "${m.roleKey}"`, `content ← "${m.contentKey}"`);
  return `${m.shape} (${parts.join(', ')})`;
}

/** Message of the "no usable column" problem, listing what was found and what would work. */
export function noShapeMessage(keys: readonly string[], what: 'keys' | 'columns'): string {
  const found = keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'none';
  return (
    `no usable ${what === 'columns' ? 'column' : 'field'} (found ${found}); expected "text", "prompt"+"completion", ` +
    `"instruction"+"output", "messages", "conversations" or "chosen"+"rejected" — or set a column mapping`
  );
}
