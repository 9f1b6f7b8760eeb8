/**
 * Preference pairs for a DPO/ORPO hand-off. The data pipeline detects and validates them (src/data: TRL's plain,
 * explicit-messages and implicit-prompt forms, with `FILE:LINE` problems); here a validated pair becomes the
 * prompt turns and the two answers that axolotl's and TRL's preference formats hold.
 */
import { promptMessages } from '../data/render';
import type { AnswerExample, NormalizedExample } from '../data/types';
import type { ChatMessage } from '../tokenizer/types';

/** One pair: the prompt turns (system included), and the two candidate answers. */
export interface PreferenceExample {
  prompt: ChatMessage[];
  chosen: string;
  rejected: string;
}

/** An answer side as its conversation: prompt/completion through the chat-template roles, chat as written. */
function conversation(side: AnswerExample): ChatMessage[] {
  return side.kind === 'prompt' ? promptMessages(side) : side.messages;
}

/** The prompt turns and the two answers of a validated pair (the answers are each side's last turn). */
export function preferencePair(ex: Extract<NormalizedExample, { kind: 'preference' }>): PreferenceExample {
  const chosen = conversation(ex.chosen);
  const rejected = conversation(ex.rejected);
  return {
    prompt: chosen.slice(0, -1),
    chosen: chosen[chosen.length - 1].content,
    rejected: rejected[rejected.length - 1].content,
  };
}
