/**
 * Validated studio examples → the records axolotl's dataset types read, rendered so the cluster trains on the
 * same text with the same loss mask as the studio:
 * - chat, and prompt/completion under the chat template → `chat_template` (`{"messages":[{role, content}]}`);
 * - prompt/completion and Alpaca under a prompt template → `input_output` segments (the prompt rendered with
 *   OUR template, label false; the completion + EOS, label true). axolotl's own `alpaca` type would train its
 *   fixed "Below is an instruction…" wording instead of the template the studio used;
 * - plain text → `completion` (`{"text"}`);
 * - preference pairs → `chat_template.default` (DPO) or `chat_template.argilla` (ORPO).
 */
import { promptMessages } from '../data/render';
import { CHAT_TEMPLATE, renderPromptTemplate } from '../data/template';
import type { NormalizedExample } from '../data/types';
import type { ChatMessage } from '../tokenizer/types';
import type { HandoffSpec } from './job-spec';
import type { PreferenceExample } from './preference-records';

/** Which axolotl dataset type a job's records are written for. */
export type JobDataKind = 'chat' | 'segments' | 'text' | 'dpo' | 'orpo';

/** The axolotl `type` of each kind. */
export const AXOLOTL_TYPES: Record<JobDataKind, string> = {
  chat: 'chat_template',
  segments: 'input_output',
  text: 'completion',
  dpo: 'chat_template.default',
  orpo: 'chat_template.argilla',
};

/** The kind one SFT example is written as under `template`. */
export function sftKind(ex: NormalizedExample, template: string): JobDataKind {
  if (ex.kind === 'chat') return 'chat';
  if (ex.kind === 'text') return 'text';
  return template === CHAT_TEMPLATE ? 'chat' : 'segments';
}

/** True when some chat example keeps assistant turns as context without loss (they carry `train: false`). */
export function hasUntrainedTurns(examples: readonly NormalizedExample[]): boolean {
  return examples.some((ex) => ex.kind === 'chat' && (ex.untrained?.length ?? 0) > 0);
}

/** One `datasets[]` entry for `path`. Only keys axolotl's dataset models declare. */
export function datasetEntry(
  kind: JobDataKind,
  path: string,
  spec: HandoffSpec,
  untrained = false,
): Record<string, unknown> {
  const entry: Record<string, unknown> = { path, type: AXOLOTL_TYPES[kind] };
  // axolotl validates preference entries against its DPO dataset model, which has no `ds_type` (the .jsonl
  // extension tells it); the SFT model has one.
  if (kind !== 'dpo' && kind !== 'orpo') entry.ds_type = 'json';
  if (kind === 'chat') {
    entry.field_messages = 'messages';
    entry.message_property_mappings = { role: 'role', content: 'content' };
    entry.roles_to_train = spec.render.completionOnly ? ['assistant'] : ['system', 'user', 'assistant'];
    // The studio trains the end-of-turn token after each trained turn, as the chat template renders it.
    entry.train_on_eos = 'turn';
    if (untrained) entry.message_field_training = 'train';
  } else if (kind === 'text') {
    entry.field = 'text';
  } else if (kind === 'dpo') {
    Object.assign(entry, { field_messages: 'messages', field_chosen: 'chosen', field_rejected: 'rejected' });
  }
  return entry;
}

function chatRecord(messages: readonly ChatMessage[], untrained?: readonly number[]): Record<string, unknown> {
  const skip = new Set(untrained ?? []);
  return {
    messages: messages.map((m, i) => {
      const out: Record<string, unknown> = { role: m.role, content: m.content };
      if (skip.has(i)) out.train = false;
      else if (untrained?.length && m.role === 'assistant') out.train = true;
      return out;
    }),
  };
}

/** The record axolotl reads for one SFT example. */
export function sftRecord(ex: NormalizedExample, spec: HandoffSpec): Record<string, unknown> {
  switch (ex.kind) {
    case 'text':
      return { text: ex.text };
    case 'chat':
      return chatRecord(ex.messages, ex.untrained);
    case 'prompt': {
      if (spec.render.template === CHAT_TEMPLATE) return chatRecord(promptMessages(ex));
      // input_output tokenizes without special tokens: add the BOS the studio's tokenizer puts first, and the EOS
      // the studio appends to every completion.
      const bos = spec.markers.addBos && spec.markers.bos ? spec.markers.bos : '';
      return {
        segments: [
          { label: false, text: bos + renderPromptTemplate(spec.render.template, ex) },
          { label: true, text: ex.completion + (spec.markers.eos ?? '') },
        ],
      };
    }
    case 'preference':
      // buildHandoffJob routes pairs through preferenceRecord; an SFT job never gets here with one.
      throw new Error('a preference pair is not an SFT record');
  }
}

/** The record axolotl reads for one preference pair. */
export function preferenceRecord(ex: PreferenceExample, kind: 'dpo' | 'orpo'): Record<string, unknown> {
  if (kind === 'dpo') {
    return {
      messages: ex.prompt.map((m) => ({ role: m.role, content: m.content })),
      chosen: { role: 'assistant', content: ex.chosen },
      rejected: { role: 'assistant', content: ex.rejected },
    };
  }
  // chat_template.argilla: the system prompt apart, then whole conversations ending in each answer.
  const system = ex.prompt.find((m) => m.role === 'system')?.content;
  const turns = ex.prompt.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content }));
  return {
    ...(system !== undefined ? { system } : {}),
    chosen: [...turns, { role: 'assistant', content: ex.chosen }],
    rejected: [...turns, { role: 'assistant', content: ex.rejected }],
  };
}
