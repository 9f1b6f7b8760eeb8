/**
 * Fixed-window mode for plain text (continued pre-training on a book, docs, notes): the paragraphs of a file are
 * tokenized in order, joined into one token stream and cut into windows of N tokens, like `group_texts` in
 * Hugging Face's `run_clm.py`. The stream opens with the tokens the tokenizer adds at the start of a text (BOS,
 * when it has one) and closes with EOS; every token of a window carries loss.
 */
import type { TextTokenizer } from '../tokenizer/types';
import type { TokenizedExample } from './types';

function window(ids: readonly number[]): TokenizedExample {
  const lossMask = new Uint8Array(ids.length).fill(1);
  if (ids.length) lossMask[0] = 0;
  return { ids: Int32Array.from(ids), lossMask };
}

/** Cuts one file's text into windows of `size` tokens; the last window may be shorter. */
export class TextChunker {
  private buffer: number[] = [];
  private started = false;

  constructor(
    private readonly tok: TextTokenizer,
    private readonly size: number,
  ) {
    if (!(size >= 2)) throw new Error(`text window size must be at least 2 tokens, got ${size}`);
  }

  /** Adds one paragraph; returns the windows it completed. */
  push(paragraph: string): TokenizedExample[] {
    if (!this.started) {
      // The tokens the post-processor adds around an empty string, minus any EOS, are the document prefix (BOS).
      const eos = new Set(this.tok.eosTokenIds);
      this.buffer.push(...this.tok.encode('', { addSpecialTokens: true }).filter((t) => !eos.has(t)));
      this.started = true;
    }
    const ids = this.tok.encode(`${paragraph}\n\n`, { addSpecialTokens: false });
    for (const id of ids) this.buffer.push(id);
    const out: TokenizedExample[] = [];
    while (this.buffer.length >= this.size) out.push(window(this.buffer.splice(0, this.size)));
    return out;
  }

  /** Closes the stream with EOS; returns the final (possibly short) window. */
  end(): TokenizedExample[] {
    if (!this.started) return [];
    const eos = this.tok.eosTokenIds[0];
    if (eos !== undefined) this.buffer.push(eos);
    const out: TokenizedExample[] = [];
    while (this.buffer.length > 0) out.push(window(this.buffer.splice(0, this.size)));
    return out.filter((w) => w.ids.length >= 2);
  }
}
