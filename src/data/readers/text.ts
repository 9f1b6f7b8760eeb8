/**
 * Plain text (`.txt`, `.md`): paragraphs separated by blank lines become `{ text }` records. In fixed-window mode
 * the paragraphs are later joined and cut into N-token windows by the tokenizing stage (`chunkText`).
 */
import { FileProblem } from '../problems';
import { readLines } from '../line-reader';
import type { ReadItem } from './read-item';

/** Paragraph records of a text file; each carries the line its paragraph starts on. */
export async function* readText(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<ReadItem> {
  let para: string[] = [];
  let start = 0;
  let any = false;
  const flush = (): ReadItem | null => {
    if (para.length === 0) return null;
    const item: ReadItem = { record: { file, line: start, value: { text: para.join('\n') } } };
    para = [];
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
    any = true;
  }
  const done = flush();
  if (done) yield done;
  if (!any) throw new FileProblem({ file, message: 'empty file: no text' });
}
