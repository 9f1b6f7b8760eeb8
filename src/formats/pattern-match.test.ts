import { describe, expect, it } from 'vitest';
import { compilePattern, MAX_PATTERN_LENGTH, PatternError } from './pattern-match';

/** What PEFT's `re.match(rf"(.*\.)?({key})$", path)` answers, via JS RegExp (only for safe keys). */
const reference = (key: string, path: string) => path === key || new RegExp(`^(.*\\.)?(${key})$`).test(path);

const paths = [
  'model.layers.0.self_attn.q_proj',
  'model.layers.12.mlp.down_proj',
  'q_proj',
  'model.layers.1.self_attn.v_proj',
  'xq_proj',
];
const keys = [
  'q_proj',
  'layers.0.self_attn.q_proj',
  'model.layers.0.self_attn.q_proj',
  '.*q_proj',
  'layers\\.\\d+\\.mlp\\..*',
  '(q|v)_proj',
  'q_proj|down_proj',
  '[qv]_proj',
  '[^q]_proj',
  'layers.1[0-9]?.*',
  '^model.*v_proj',
  'proj',
  'x?q_proj',
  '(?:self_attn|mlp)\\.\\w+',
  'layers\\.\\d{1,2}\\.mlp.down_proj',
  'a*',
];

describe('rank/alpha pattern matcher (PEFT semantics, no backtracking)', () => {
  it.each(keys)('agrees with the regex reference for %s', (key) => {
    const m = compilePattern(key);
    for (const p of paths) expect(m.matches(p), `${key} vs ${p}`).toBe(reference(key, p));
  });

  it('runs a catastrophic-backtracking key in linear time', () => {
    const m = compilePattern('(.+)+X');
    const path = 'model.' + 'a'.repeat(5000);
    const t0 = performance.now();
    expect(m.matches(path)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('refuses over-long keys, big repeat counts and unsupported syntax with the key named', () => {
    expect(() => compilePattern('a'.repeat(MAX_PATTERN_LENGTH + 1))).toThrow(PatternError);
    expect(() => compilePattern('a{1000}')).toThrow(/repeat count above 100/);
    expect(() => compilePattern('(?=q)')).toThrow(/only \(\?:…\) groups/);
    expect(() => compilePattern('(q_proj')).toThrow(/missing '\)'/);
  });
});
