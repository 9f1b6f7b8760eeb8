/**
 * PEFT's `rank_pattern` / `alpha_pattern` keys are regular expressions matched against module paths
 * (`peft.tuners.tuners_utils.get_pattern_key`: `re.match(rf"(.*\.)?({key})$", path)`, after an exact-equality check).
 * A backtracking engine lets a hostile key such as `(.+)+X` take exponential time, so keys are compiled here to a
 * Thompson NFA and simulated over all start positions at once: time O(path × states), no backtracking, and the key
 * length and the state count are capped. Supported syntax: literals, `.`, escapes (`\.` `\d` `\w` `\s` and their
 * negations), classes `[a-z_]` / `[^…]`, groups `(…)` / `(?:…)`, `|`, `*` `+` `?` `{n}` `{n,}` `{n,m}`, `^` and `$`.
 */

/** Longer keys are refused (real ones are module names or paths, well under 200 characters). */
export const MAX_PATTERN_LENGTH = 500;
const MAX_STATES = 20_000;
const MAX_REPEAT = 100;

/** A key that cannot be compiled (bad syntax, too long, too many states); the message says which. */
export class PatternError extends Error {
  override name = 'PatternError';
}

type State =
  | { kind: 'char'; test: (c: string) => boolean; out: State | null }
  | { kind: 'split'; a: State | null; b: State | null }
  | { kind: 'assert'; at: 'start' | 'end'; out: State | null }
  | { kind: 'match' };

type Node =
  | { t: 'char'; test: (c: string) => boolean }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'repeat'; body: Node; min: number; max: number } // max = Infinity for * and +
  | { t: 'assert'; at: 'start' | 'end' };

const CLASSES: Record<string, (c: string) => boolean> = {
  d: (c) => c >= '0' && c <= '9',
  w: (c) => /[A-Za-z0-9_]/.test(c),
  s: (c) => /\s/.test(c),
};

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const n = this.alt();
    if (this.i < this.src.length) this.fail(`unexpected '${this.src[this.i]}'`);
    return n;
  }

  private fail(why: string): never {
    throw new PatternError(`pattern key '${this.src}': ${why} at character ${this.i + 1}`);
  }

  private alt(): Node {
    const options = [this.seq()];
    while (this.src[this.i] === '|') {
      this.i++;
      options.push(this.seq());
    }
    return options.length === 1 ? options[0] : { t: 'alt', options };
  }

  private seq(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') items.push(this.repeat());
    return { t: 'seq', items };
  }

  private repeat(): Node {
    let node = this.atom();
    for (;;) {
      const c = this.src[this.i];
      let min: number, max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i))) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i))!;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) this.fail(`{${min},${max}} has max < min`);
        if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) this.fail(`repeat count above ${MAX_REPEAT}`);
        this.i += m[0].length - 1;
      } else return node;
      this.i++;
      if (this.src[this.i] === '?') this.i++; // lazy quantifiers match the same set of strings
      node = { t: 'repeat', body: node, min, max };
    }
  }

  private atom(): Node {
    const c = this.src[this.i++];
    if (c === '(') {
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (this.src[this.i] === '?') this.fail('only (?:…) groups are supported');
      const inner = this.alt();
      if (this.src[this.i++] !== ')') this.fail("missing ')'");
      return inner;
    }
    if (c === '[') return { t: 'char', test: this.charClass() };
    if (c === '.') return { t: 'char', test: () => true };
    if (c === '^') return { t: 'assert', at: 'start' };
    if (c === '$') return { t: 'assert', at: 'end' };
    if (c === '\\') return { t: 'char', test: this.escape() };
    if ('*+?{'.includes(c)) this.fail(`nothing to repeat before '${c}'`);
    return { t: 'char', test: (x) => x === c };
  }

  private escape(): (c: string) => boolean {
    const e = this.src[this.i++];
    if (e === undefined) this.fail('trailing backslash');
    const cls = CLASSES[e.toLowerCase()];
    if (cls) return e === e.toLowerCase() ? cls : (c) => !cls(c);
    if (/[A-Za-z0-9]/.test(e)) this.fail(`escape \\${e} is not supported`);
    return (c) => c === e;
  }

  private charClass(): (c: string) => boolean {
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    const tests: ((c: string) => boolean)[] = [];
    let first = true;
    while (this.src[this.i] !== ']' || first) {
      first = false;
      if (this.i >= this.src.length) this.fail("missing ']'");
      const c = this.src[this.i++];
      if (c === '\\') {
        tests.push(this.escape());
        continue;
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        const hi = this.src[this.i + 1];
        this.i += 2;
        const lo = c;
        tests.push((x) => x >= lo && x <= hi);
        continue;
      }
      tests.push((x) => x === c);
    }
    this.i++;
    return (x) => tests.some((t) => t(x)) !== negate;
  }
}

/** Compiles `node` in front of `next`; returns the entry state. Counts states against the cap. */
function build(node: Node, next: State, count: { n: number }): State {
  if (++count.n > MAX_STATES) throw new PatternError(`pattern key compiles to more than ${MAX_STATES} states`);
  switch (node.t) {
    case 'char':
      return { kind: 'char', test: node.test, out: next };
    case 'assert':
      return { kind: 'assert', at: node.at, out: next };
    case 'seq':
      return node.items.reduceRight<State>((acc, item) => build(item, acc, count), next);
    case 'alt':
      return node.options
        .slice(0, -1)
        .reduceRight<State>(
          (acc, o) => ({ kind: 'split', a: build(o, next, count), b: acc }),
          build(node.options[node.options.length - 1], next, count),
        );
    case 'repeat': {
      let tail: State;
      if (node.max === Infinity) {
        const loop: State = { kind: 'split', a: null, b: next };
        loop.a = build(node.body, loop, count);
        tail = loop;
      } else {
        tail = next;
        for (let k = node.min; k < node.max; k++) tail = { kind: 'split', a: build(node.body, tail, count), b: next };
      }
      for (let k = 0; k < node.min; k++) tail = build(node.body, tail, count);
      return tail;
    }
  }
}

/** A compiled key: `matches(path)` is PEFT's `re.match(rf"(.*\.)?({key})$", path)`, in linear time. */
export interface PatternMatcher {
  matches(path: string): boolean;
}

/** Compiles one rank/alpha pattern key; throws `PatternError` for an unsupported or oversized key. */
export function compilePattern(key: string): PatternMatcher {
  if (key.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`pattern key of ${key.length} characters is longer than the ${MAX_PATTERN_LENGTH} allowed`);
  }
  const start = build(new Parser(key).parse(), { kind: 'match' }, { n: 0 });
  return {
    matches(path) {
      if (path === key) return true;
      let current = new Set<State>();
      const add = (set: Set<State>, s: State | null, pos: number): void => {
        if (!s || set.has(s)) return;
        set.add(s);
        if (s.kind === 'split') {
          add(set, s.a, pos);
          add(set, s.b, pos);
        } else if (s.kind === 'assert' && (s.at === 'start' ? pos === 0 : pos === path.length)) add(set, s.out, pos);
      };
      for (let pos = 0; pos <= path.length; pos++) {
        // `(.*\.)?` in front: the key may start at 0 or right after any dot.
        if (pos === 0 || path[pos - 1] === '.') add(current, start, pos);
        if (pos === path.length) break;
        const next = new Set<State>();
        for (const s of current) if (s.kind === 'char' && s.test(path[pos])) add(next, s.out, pos + 1);
        current = next;
      }
      for (const s of current) if (s.kind === 'match') return true;
      return false;
    },
  };
}
