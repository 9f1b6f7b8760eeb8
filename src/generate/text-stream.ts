/**
 * Streaming detokenization with stop strings. Each new token re-decodes the generated ids and emits only text that
 * can no longer change:
 * - a multi-byte character split across tokens decodes to a trailing U+FFFD until its last byte arrives, so the
 *   trailing replacement characters are held back (and flushed at the end if they never complete);
 * - text that could be the beginning of a stop string is held back until it either completes the stop string
 *   (then it and everything after it are dropped) or diverges from it.
 * The pieces returned by `push` and `finish` concatenate to exactly `text`, which equals `decode(ids)` (cut before
 * the stop string) for the prefix-stable decoders Llama-family tokenizers use (byte-level BPE, SentencePiece).
 */
import type { TextTokenizer } from '../tokenizer/types';

/** Tokens re-decoded before the settled boundary, and how many new tokens settle at once. */
const WINDOW_OVERLAP = 4;
const SETTLE_EVERY = 8;

/** Result of feeding one token. */
export interface StreamStep {
  /** Newly final text (may be empty while characters or a possible stop string are held back). */
  text: string;
  /** A stop string completed; `text` ends right before it and generation should end. */
  stopped: boolean;
}

/** Incremental decoder for one generation. */
export class TextStream {
  private readonly ids: number[] = [];
  /** Tokens whose text is settled (ends on a whole character): `settledText` is their decoding. */
  private settled = 0;
  private settledText = '';
  private readonly stop: string[];
  private readonly maxStop: number;
  private emitted = '';
  private done = false;

  constructor(
    private readonly tokenizer: Pick<TextTokenizer, 'decode'>,
    stop: readonly string[] = [],
  ) {
    this.stop = stop.filter((s) => s.length > 0);
    this.maxStop = Math.max(0, ...this.stop.map((s) => s.length));
  }

  /** Everything emitted so far (the final text once `finish` or a stop has happened). */
  get text(): string {
    return this.emitted;
  }

  /** Adds one generated token. After a stop, further pushes emit nothing. */
  push(id: number): StreamStep {
    if (this.done) return { text: '', stopped: true };
    this.ids.push(id);
    const full = this.decodeAll();
    let stableEnd = full.length;
    while (stableEnd > 0 && full.charCodeAt(stableEnd - 1) === 0xfffd) stableEnd--;
    const stable = full.slice(0, stableEnd);

    const hit = this.findStop(stable);
    if (hit >= 0) {
      this.done = true;
      return { text: this.emit(stable, hit), stopped: true };
    }
    return { text: this.emit(stable, stable.length - this.heldForStop(stable)), stopped: false };
  }

  /** Ends the stream (EOS, length, abort): returns whatever was held back, including incomplete characters. */
  finish(): string {
    if (this.done) return '';
    this.done = true;
    if (this.ids.length === 0) return '';
    const full = this.decodeAll();
    return this.emit(full, full.length);
  }

  /**
   * decode(ids), computed from a short window so that a long generation does not re-decode everything per token:
   * the text after the settled tokens is decode(window) minus decode(window's settled part), where the window
   * starts a few tokens before the settled boundary so decoders that treat the first token specially (the
   * SentencePiece leading-space strip) see the same first token both times.
   */
  private decodeAll(): string {
    const opts = { skipSpecialTokens: true };
    let full: string;
    const from = Math.max(0, this.settled - WINDOW_OVERLAP);
    const head = this.settled > 0 ? this.tokenizer.decode(this.ids.slice(from, this.settled), opts) : '';
    const tail = this.tokenizer.decode(this.ids.slice(from), opts);
    if (this.settled > 0 && tail.startsWith(head)) full = this.settledText + tail.slice(head.length);
    else full = this.tokenizer.decode(this.ids, opts);
    if (this.ids.length - this.settled >= SETTLE_EVERY && full.charCodeAt(full.length - 1) !== 0xfffd) {
      this.settled = this.ids.length;
      this.settledText = full;
    }
    return full;
  }

  /** Emits `decoded[emitted.length, end)`; returns the new piece. */
  private emit(decoded: string, end: number): string {
    const from = this.emitted.length;
    if (end <= from) return '';
    const piece = decoded.slice(from, end);
    this.emitted += piece;
    return piece;
  }

  /** Index in `text` of the earliest complete stop string, or -1. Only the unemitted tail can contain a new one. */
  private findStop(text: string): number {
    let best = -1;
    const from = Math.max(0, this.emitted.length - this.maxStop);
    for (const s of this.stop) {
      const i = text.indexOf(s, from);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  private heldForStop(text: string): number {
    let held = 0;
    for (const s of this.stop) {
      for (let k = Math.min(s.length - 1, text.length); k > held; k--) {
        if (text.endsWith(s.slice(0, k))) {
          held = k;
          break;
        }
      }
    }
    return held;
  }
}
