/**
 * Splits a stream of JSON text into its records without holding the whole document: the elements of a top-level
 * array (`[{...}, {...}]`), or a sequence of top-level values (`{...}\n{...}`: JSON Lines saved as `.json`, which
 * is what `datasets.Dataset.to_json` writes). Each element's text is handed out with the line it starts on, so
 * `JSON.parse` errors and validation problems point at the right line. Only string/escape/bracket state is
 * tracked here; the element text itself is validated by `JSON.parse`.
 */

/**
 * The largest element (one record, or a lone top-level object) held as text. Beyond it the element is skipped
 * and reported instead of being built into one string near V8's string limit.
 */
export const MAX_ELEMENT_CHARS = 64 << 20;

/** A complete top-level element (or structural problem) found by the scanner. */
export type ScanEvent =
  | { kind: 'element'; text: string; line: number; inArray: boolean }
  /** `record`: the problem stands for a lost record (cut off by the end of the file), not a structural slip. */
  | { kind: 'problem'; line: number; message: string; record?: boolean };

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Next position of '"', '\\' or '\n' at or after i, with each search cached until passed (linear overall). */
class NextChar {
  private quote = -1;
  private backslash = -1;
  private newline = -1;

  constructor(private readonly text: string) {}

  private find(cached: number, ch: string, i: number): number {
    if (cached >= i) return cached;
    const k = this.text.indexOf(ch, i);
    return k < 0 ? this.text.length : k;
  }

  special(i: number): number {
    this.quote = this.find(this.quote, '"', i);
    this.backslash = this.find(this.backslash, '\\', i);
    this.newline = this.find(this.newline, '\n', i);
    return Math.min(this.quote, this.backslash, this.newline);
  }
}

/** Incremental scanner: feed text pieces with `push`, then `end`; both return the events completed so far. */
export class JsonScanner {
  private line = 1;
  private mode: 'start' | 'array' | 'sequence' | 'closed' = 'start';
  private depth = 0;
  private inString = false;
  private escape = false;
  private active = false;
  private elementLine = 0;
  private pieces: string[] = [];
  /** Characters of the current element so far; past MAX_ELEMENT_CHARS its text is no longer kept. */
  private elementChars = 0;
  private expectComma = false;
  private trailingReported = false;

  constructor(private readonly maxElementChars = MAX_ELEMENT_CHARS) {}

  /** Top-level nesting depth at which elements live: 1 inside the outer array, 0 in a sequence. */
  private get base(): number {
    return this.mode === 'array' ? 1 : 0;
  }

  push(text: string): ScanEvent[] {
    const out: ScanEvent[] = [];
    let start = 0;
    const next = new NextChar(text);
    for (let i = 0; i < text.length; i++) {
      // Inside a string only '"', '\\' and newlines matter: jump to the next one (strings are most of the bytes).
      if (this.inString && !this.escape) {
        const j = next.special(i);
        if (j > i) {
          i = j - 1;
          continue;
        }
      }
      const c = text.charCodeAt(i);
      if (this.active) {
        const end = this.stepInElement(c);
        if (end !== 'no') {
          const stop = end === 'after' ? i + 1 : i;
          this.keep(text, start, stop);
          this.finishElement(out);
          if (end === 'before') {
            i--; // the delimiter is handled again, between elements
            continue;
          }
        }
      } else if (this.stepBetween(c, out)) {
        start = i;
        this.active = true;
        this.elementLine = this.line;
        this.pieces = [];
        this.elementChars = 0;
        this.stepInElement(c);
      }
      if (c === 0x0a) this.line++;
    }
    if (this.active) this.keep(text, start, text.length);
    return out;
  }

  private keep(text: string, start: number, stop: number): void {
    this.elementChars += stop - start;
    if (this.elementChars <= this.maxElementChars) this.pieces.push(text.slice(start, stop));
    else this.pieces = [];
  }

  end(): ScanEvent[] {
    const out: ScanEvent[] = [];
    if (this.active) {
      if (this.depth === this.base && !this.inString) this.finishElement(out);
      else
        out.push({
          kind: 'problem',
          line: this.elementLine,
          message: 'invalid JSON: unexpected end of file inside this record',
          record: true,
        });
    }
    if (this.mode === 'array') {
      out.push({
        kind: 'problem',
        line: this.line,
        message: "invalid JSON: unexpected end of file, the array's ']' is missing",
      });
    }
    return out;
  }

  private finishElement(out: ScanEvent[]): void {
    if (this.elementChars > this.maxElementChars) {
      out.push({
        kind: 'problem',
        line: this.elementLine,
        record: true,
        message:
          `a JSON value of ${this.elementChars} characters ` +
          `(more than ${this.maxElementChars}) starts here; save large datasets as a JSON array of records or as JSON Lines`,
      });
    } else {
      out.push({ kind: 'element', text: this.pieces.join(''), line: this.elementLine, inArray: this.mode === 'array' });
    }
    this.pieces = [];
    this.active = false;
    this.expectComma = this.mode === 'array';
  }

  /** Advances the element state; says whether the element ends before or after this char. */
  private stepInElement(c: number): 'no' | 'before' | 'after' {
    if (this.inString) {
      if (this.escape) this.escape = false;
      else if (c === 0x5c) this.escape = true;
      else if (c === 0x22) {
        this.inString = false;
        if (this.depth === this.base) return 'after';
      }
      return 'no';
    }
    if (c === 0x22) this.inString = true;
    else if (c === 0x7b || c === 0x5b) this.depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (this.depth === this.base) return 'before';
      this.depth--;
      if (this.depth === this.base) return 'after';
    } else if (this.depth === this.base && (c === 0x2c || WS.has(c))) return 'before';
    return 'no';
  }

  /** Handles a char outside any element; true when it starts one. */
  private stepBetween(c: number, out: ScanEvent[]): boolean {
    if (WS.has(c)) return false;
    if (this.mode === 'start') {
      if (c === 0x5b) {
        this.mode = 'array';
        this.depth = 1;
        return false;
      }
      this.mode = 'sequence';
      return true;
    }
    if (this.mode === 'closed') {
      if (!this.trailingReported) {
        out.push({
          kind: 'problem',
          line: this.line,
          message: "invalid JSON: unexpected content after the array's closing ']'",
        });
        this.trailingReported = true;
      }
      return false;
    }
    if (c === 0x7d || c === 0x5d || c === 0x2c) {
      if (this.mode === 'array') return this.arrayDelimiter(c, out);
      out.push({ kind: 'problem', line: this.line, message: `invalid JSON: unexpected '${String.fromCharCode(c)}'` });
      return false;
    }
    if (this.expectComma)
      out.push({ kind: 'problem', line: this.line, message: "invalid JSON: missing ',' before this record" });
    return true;
  }

  /** `]`, `}` or `,` between the elements of the outer array. */
  private arrayDelimiter(c: number, out: ScanEvent[]): false {
    if (c === 0x5d) {
      this.mode = 'closed';
      this.depth = 0;
    } else if (c === 0x2c) {
      if (!this.expectComma) out.push({ kind: 'problem', line: this.line, message: "invalid JSON: unexpected ','" });
      this.expectComma = false;
    } else {
      out.push({ kind: 'problem', line: this.line, message: "invalid JSON: unexpected '}'" });
    }
    return false;
  }
}
