/**
 * A prepared (tokenized) studio dataset → `input_output` segments: each run of tokens with the same loss flag is
 * decoded back to its text, special tokens included (`<|im_start|>`, BOS, EOS), labelled trained or not. The
 * studio keeps datasets as tokens only, so this is how the studio hands over exactly what it trained on — every
 * shape, template and mask — whatever the source files were. Packed rows are split back into their examples.
 */
import type { TokenizedExample } from '../data/types';

/** One `input_output` segment: text, and whether its tokens carry loss. */
export interface Segment {
  label: boolean;
  text: string;
}

/** Decodes ids to text with special tokens kept (the tokenizer's own `decode`). */
export type Decode = (ids: readonly number[]) => string;

/** [start, end) of each example in a row: the whole row, or one span per packed segment id. */
export function exampleSpansOf(ex: TokenizedExample): [number, number][] {
  const n = ex.ids.length;
  if (!ex.segmentIds) return [[0, n]];
  const spans: [number, number][] = [];
  let start = 0;
  for (let t = 1; t <= n; t++) {
    if (t === n || ex.segmentIds[t] !== ex.segmentIds[start]) {
      // Segment id 0 is padding at the end of a packed row.
      if (ex.segmentIds[start] !== 0) spans.push([start, t]);
      start = t;
    }
  }
  return spans;
}

/** Segments of every example a row holds (one list per example). */
export function segmentsOf(ex: TokenizedExample, decode: Decode): Segment[][] {
  return exampleSpansOf(ex).map(([start, end]) => {
    const out: Segment[] = [];
    let runStart = start;
    for (let t = start + 1; t <= end; t++) {
      if (t === end || ex.lossMask[t] !== ex.lossMask[runStart]) {
        out.push({ label: ex.lossMask[runStart] === 1, text: decode(Array.from(ex.ids.subarray(runStart, t))) });
        runStart = t;
      }
    }
    return out;
  });
}

/** Every example of a split as segments. */
export function renderedRecords(examples: readonly TokenizedExample[], decode: Decode): Segment[][] {
  return examples.flatMap((ex) => segmentsOf(ex, decode));
}

/** Encodes text without special-token insertion (what axolotl's input_output does per segment). */
export type Encode = (text: string) => number[];

/**
 * How many examples would NOT tokenize back to the same ids and mask when the cluster re-tokenizes their segments
 * (a lossy tokenizer: `<unk>`, normalisation). Byte-level BPE tokenizers (Llama 3, Qwen, SmolLM) give 0.
 */
export function countRoundTripMismatches(
  examples: readonly TokenizedExample[],
  records: readonly Segment[][],
  encode: Encode,
): number {
  const spans = examples.flatMap((ex) =>
    exampleSpansOf(ex).map(([s, e]) => ({ ids: ex.ids.subarray(s, e), mask: ex.lossMask.subarray(s, e) })),
  );
  let bad = 0;
  records.forEach((segments, i) => {
    const want = spans[i];
    let at = 0;
    let same = true;
    for (const seg of segments) {
      for (const id of encode(seg.text)) {
        if (at >= want.ids.length || want.ids[at] !== id || (want.mask[at] === 1) !== seg.label) same = false;
        at++;
      }
    }
    if (!same || at !== want.ids.length) bad++;
  });
  return bad;
}
