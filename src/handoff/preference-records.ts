/**
 * Preference pairs for a DPO/ORPO hand-off, read from JSONL or JSON with `FILE:LINE` problems. Accepted records:
 * - `{"prompt": "...", "chosen": "...", "rejected": "...", "system"?: "..."}` (TRL's plain form);
 * - `{"prompt": [messages], "chosen": ..., "rejected": ...}` or `{"messages": [...], "chosen", "rejected"}`;
 * - `{"chosen": [messages ending in the answer], "rejected": [...]}` (TRL's implicit-prompt form: the shared
 *   turns before the last are the prompt).
 * `chosen`/`rejected` may be a string, an assistant message, or a message list ending in one.
 */
import { byteChunks } from '../data/byte-source';
import { isGzipName, gunzipChunks, stripGzip } from '../data/gzip';
import { FileProblem, type ProblemLog } from '../data/problems';
import { readJson } from '../data/readers/json';
import { readJsonl } from '../data/readers/jsonl';
import type { DatasetInput } from '../data/types';
import type { ChatMessage, ChatRole } from '../tokenizer/types';

/** One pair: the prompt turns (system included), and the two candidate answers. */
export interface PreferenceExample {
  prompt: ChatMessage[];
  chosen: string;
  rejected: string;
}

const ROLES: readonly ChatRole[] = ['system', 'user', 'assistant', 'tool'];

function messages(v: unknown, field: string): ChatMessage[] {
  if (!Array.isArray(v)) throw new Error(`"${field}" must be a string or a list of {"role","content"} messages`);
  return v.map((m, i) => {
    const role = (m as { role?: unknown })?.role;
    const content = (m as { content?: unknown })?.content;
    if (typeof role !== 'string' || !ROLES.includes(role as ChatRole) || typeof content !== 'string') {
      throw new Error(`"${field}"[${i}] must be {"role": system|user|assistant|tool, "content": string}`);
    }
    return { role: role as ChatRole, content };
  });
}

/** An answer and the turns that precede it inside its own list (empty for a string or single message). */
function answer(v: unknown, field: string): { context: ChatMessage[]; text: string } {
  if (typeof v === 'string') return { context: [], text: v };
  if (v && typeof v === 'object' && !Array.isArray(v)) return { context: [], text: messages([v], field)[0].content };
  const list = messages(v, field);
  const last = list[list.length - 1];
  if (!last || last.role !== 'assistant') throw new Error(`"${field}" must end with an assistant message`);
  return { context: list.slice(0, -1), text: last.content };
}

const same = (a: ChatMessage[], b: ChatMessage[]) =>
  a.length === b.length && a.every((m, i) => m.role === b[i].role && m.content === b[i].content);

/** Validates one record; throws an Error whose message names the field. */
export function normalizePreference(rec: Record<string, unknown>): PreferenceExample {
  if (!('chosen' in rec) || !('rejected' in rec)) throw new Error('a preference record needs "chosen" and "rejected"');
  const chosen = answer(rec.chosen, 'chosen');
  const rejected = answer(rec.rejected, 'rejected');
  if (!same(chosen.context, rejected.context)) throw new Error('"chosen" and "rejected" must share the turns before their answers');
  let prompt: ChatMessage[];
  const p = rec.prompt ?? rec.messages;
  if (typeof p === 'string') prompt = [{ role: 'user', content: p }];
  else if (p !== undefined) prompt = messages(p, rec.prompt !== undefined ? 'prompt' : 'messages');
  else prompt = [];
  prompt = [...prompt, ...chosen.context];
  if (typeof rec.system === 'string' && !prompt.some((m) => m.role === 'system')) prompt.unshift({ role: 'system', content: rec.system });
  if (!prompt.some((m) => m.role === 'user')) throw new Error('the prompt has no user turn (give "prompt", or message lists in "chosen"/"rejected")');
  if (chosen.text === rejected.text) throw new Error('"chosen" and "rejected" are the same answer');
  return { prompt, chosen: chosen.text, rejected: rejected.text };
}

/** Pairs of one file, in file order; problems go to `log`. */
export async function readPreferenceExamples(input: DatasetInput, log: ProblemLog): Promise<PreferenceExample[]> {
  const name = stripGzip(input.name).toLowerCase();
  const jsonl = name.endsWith('.jsonl') || name.endsWith('.ndjson');
  if (!jsonl && !name.endsWith('.json')) {
    log.add({ file: input.name, message: 'preference pairs are read from .jsonl or .json files' });
    return [];
  }
  const raw = byteChunks(input);
  const chunks = isGzipName(input.name) ? gunzipChunks(raw, input.name) : raw;
  const out: PreferenceExample[] = [];
  try {
    for await (const item of jsonl ? readJsonl(chunks, input.name) : readJson(chunks, input.name)) {
      if (item.problem) {
        log.add(item.problem);
        continue;
      }
      const { file, line, row } = item.record;
      try {
        out.push(normalizePreference(item.record.value as Record<string, unknown>));
      } catch (e) {
        log.add({ file, line, row, message: (e as Error).message });
      }
    }
  } catch (e) {
    if (e instanceof FileProblem) log.add(e.problem);
    else throw e;
  }
  return out;
}
