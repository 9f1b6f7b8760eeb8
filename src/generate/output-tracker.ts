/**
 * The output side of a generation: turns each sampled id into streamed text and decides when to stop (EOS id,
 * stop string, stop token, length, abort).
 */
import type { TextTokenizer } from '../tokenizer/types';
import { TextStream } from './text-stream';
import type { FinishReason } from './types';

/**
 * Splits stop strings into text to watch for and token ids: a stop string that is one special token (e.g.
 * "<|im_end|>", "<|eot_id|>") never shows in the decoded text, which skips special tokens, so it stops on the id.
 */
export function splitStops(tokenizer: TextTokenizer, stop: readonly string[]): { strings: string[]; ids: Set<number> } {
  const strings: string[] = [];
  const ids = new Set<number>();
  for (const s of stop) {
    if (s.length === 0) continue;
    const encoded = tokenizer.encode(s, { addSpecialTokens: false });
    if (encoded.length === 1 && tokenizer.decode(encoded, { skipSpecialTokens: true }) === '') ids.add(encoded[0]);
    else strings.push(s);
  }
  return { strings, ids };
}

/** Collects generated ids and their text; `add` says when generation must end. */
export class OutputTracker {
  readonly ids: number[] = [];
  private readonly stream: TextStream;
  private readonly stopIds: Set<number>;
  private readonly eos: Set<number>;

  constructor(
    tokenizer: TextTokenizer,
    eosIds: Iterable<number>,
    stop: readonly string[],
    private readonly maxNew: number,
  ) {
    const stops = splitStops(tokenizer, stop);
    this.stream = new TextStream(tokenizer, stops.strings);
    this.stopIds = stops.ids;
    this.eos = new Set(eosIds);
  }

  /** The final text so far: the streamed pieces joined. */
  get text(): string {
    return this.stream.text;
  }

  /**
   * Records the sampled `id`. Returns the text that became final with it and, when it is the last token, why.
   * The last token's text includes everything held back, except a matched stop string, which is dropped.
   */
  add(id: number, aborted: boolean): { text: string; finish: FinishReason | null } {
    this.ids.push(id);
    const isEos = this.eos.has(id);
    const isStopId = !isEos && this.stopIds.has(id);
    const step = isEos || isStopId ? { text: '', stopped: false } : this.stream.push(id);
    let finish: FinishReason | null = null;
    if (isEos) finish = 'eos';
    else if (isStopId || step.stopped) finish = 'stop';
    else if (aborted) finish = 'aborted';
    else if (this.ids.length >= this.maxNew) finish = 'length';
    const text = finish !== null && !step.stopped ? step.text + this.stream.finish() : step.text;
    return { text, finish };
  }
}
