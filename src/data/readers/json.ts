/**
 * `.json` files: an array of records (streamed element by element), an object wrapping the array
 * (`{"data": [...]}`, also `rows`/`examples`/`records`/`train`), a single record, or JSON Lines saved as `.json`.
 */
import { FileProblem } from '../problems';
import { textGuard } from '../sniff';
import type { SourceRecord } from '../types';
import { JsonScanner, type ScanEvent } from './json-scanner';
import { describeJsonType, jsonError, type ReadItem } from './read-item';

/** Keys under which wrapped datasets keep their records. */
const WRAPPER_KEYS = ['data', 'rows', 'examples', 'records', 'train', 'instances'];

type Element = Extract<ScanEvent, { kind: 'element' }>;

function parseElement(el: Element, file: string): ReadItem & { value?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(el.text);
  } catch (e) {
    const { reason, lineOffset } = jsonError(e, el.text);
    return { problem: { file, line: el.line + lineOffset, message: `invalid JSON ${reason}` } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const where = el.inArray ? 'array element' : 'value';
    return {
      problem: {
        file,
        line: el.line,
        message: `expected a record (JSON object) as ${where}, got ${describeJsonType(value)}`,
      },
    };
  }
  return { record: { file, line: el.line, value } };
}

/** A lone top-level object: a wrapper around the records, or itself the one record. */
function* unwrap(item: ReadItem, file: string): Generator<ReadItem> {
  if (!item.record) {
    yield item;
    return;
  }
  const obj = item.record.value as Record<string, unknown>;
  const key = WRAPPER_KEYS.find((k) => Array.isArray(obj[k]));
  if (!key) {
    yield item;
    return;
  }
  // Positions inside a parsed wrapper are not known line by line: rows are numbered instead.
  const rows = obj[key] as unknown[];
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i];
    const rec: SourceRecord = { file, row: i + 1, value: v };
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      yield {
        problem: {
          file,
          row: i + 1,
          message: `expected a record (JSON object) in "${key}", got ${describeJsonType(v)}`,
        },
      };
    } else yield { record: rec };
  }
}

async function* decodeText(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 1;
  for await (const chunk of textGuard(chunks, file)) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new FileProblem({
        file,
        line: lines,
        message: 'not valid UTF-8 (at or just after this line); re-save the file as UTF-8',
      });
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    yield text;
  }
  yield decoder.decode();
}

/** Records of a `.json` file. */
export async function* readJson(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<ReadItem> {
  const scanner = new JsonScanner();
  let pending: Element | null = null; // first top-level value of a sequence, until we know if a second follows
  let sequence = false;
  let any = false;
  function* handle(events: ScanEvent[]): Generator<ReadItem> {
    for (const ev of events) {
      any = true;
      if (ev.kind === 'problem') {
        yield { problem: { file, line: ev.line, message: ev.message }, structural: !ev.record };
      } else if (ev.inArray || sequence) {
        yield parseElement(ev, file);
      } else if (pending) {
        sequence = true;
        yield parseElement(pending, file);
        pending = null;
        yield parseElement(ev, file);
      } else pending = ev;
    }
  }
  for await (const text of decodeText(chunks, file)) yield* handle(scanner.push(text));
  yield* handle(scanner.end());
  if (pending) yield* unwrap(parseElement(pending, file), file);
  if (!any) throw new FileProblem({ file, message: 'empty file: no records' });
}
