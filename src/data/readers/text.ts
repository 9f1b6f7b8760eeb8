/**
 * Plain text (`.txt`, `.md`): paragraphs separated by blank lines become `{ text }` records. In fixed-window mode
 * the paragraphs are later joined and cut into N-token windows by the tokenizing stage (`chunkText`).
 */
import { FileProblem } from '../problems';
import { readLines } from '../line-reader';
import type { ReadItem } from './read-item';

/**
 * A paragraph longer than this (a book without blank lines) is handed on in pieces of about this size, each a
 * record starting at its own line, so no single string grows without bound. Pieces are truncated to the sequence
 * length like any long paragraph, and fixed-window mode joins them back.
 */
export const MAX_PARAGRAPH_CHARS = 16 << 20;

/** Paragraph records of a text file; each carries the line its paragraph starts on. */
export async function* readText(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  maxParagraphChars = MAX_PARAGRAPH_CHARS,
): AsyncGenerator<ReadItem> {
  let para: string[] = [];
  let paraChars = 0;
  let start = 0;
  let any = false;
  const flush = (): ReadItem | null => {
    if (para.length === 0) return null;
    const item: ReadItem = { record: { file, line: start, value: { text: para.join('\n') } } };
    para = [];
    paraChars = 0;
    return item;
  };
  for await (const l of readLines(chunks, file)) {
    if (l.error !== undefined) {
      const done = flush();
      if (done) yield done;
      any = true;
      yield { problem: { file, line: l.line, message: l.error } };
      continue;
    }
    if (l.text.trim() === '') {
      const done = flush();
      if (done) yield done;
      continue;
    }
    if (para.length === 0) start = l.line;
    para.push(l.text);
    paraChars += l.text.length + 1;
    any = true;
    if (paraChars > maxParagraphChars) yield flush()!;
  }
  const done = flush();
  if (done) yield done;
  if (!any) throw new FileProblem({ file, message: 'empty file: no text' });
}
