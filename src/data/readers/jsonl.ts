/** JSON Lines: one JSON object per line; blank lines are allowed and ignored. */
import { FileProblem } from '../problems';
import { readLines } from '../line-reader';
import { describeJsonType, jsonError, type ReadItem } from './read-item';

/** Records of a JSONL file, streamed line by line. */
export async function* readJsonl(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<ReadItem> {
  let content = false;
  for await (const l of readLines(chunks, file)) {
    if (l.error !== undefined) {
      content = true;
      yield { problem: { file, line: l.line, message: l.error } };
      continue;
    }
    if (l.text.trim() === '') continue;
    content = true;
    let value: unknown;
    try {
      value = JSON.parse(l.text);
    } catch (e) {
      yield { problem: { file, line: l.line, message: `invalid JSON ${jsonError(e, l.text).reason}` } };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { problem: { file, line: l.line, message: `expected a JSON object, got ${describeJsonType(value)}` } };
      continue;
    }
    yield { record: { file, line: l.line, value } };
  }
  if (!content) throw new FileProblem({ file, message: 'empty file: no records' });
}
