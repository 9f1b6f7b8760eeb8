import { describe, expect, it } from 'vitest';
import { checkRepoId, isHubId, isRepoId } from './names';

describe('repo id checks', () => {
  it('accepts `name` and `owner/name` with plain parts as cache folder names', () => {
    for (const ok of ['gpt2', 'HuggingFaceTB/SmolLM2-135M', 'a/b c', 'o/n$x']) expect(isRepoId(ok)).toBe(true);
    for (const bad of ['', '..', 'a/..', 'a/b/c', 'a\\b', 'a/\u0007', '/b']) expect(isRepoId(bad)).toBe(false);
    expect(() => checkRepoId('a/b/c')).toThrow(/is not a model id; expected owner\/name/);
    expect(checkRepoId('gpt2')).toBe('gpt2');
  });

  it('accepts as a hub id only `owner/name` in the Hub spelling, which a shell script can hold as it is', () => {
    for (const ok of ['Qwen/Qwen2.5-0.5B-Instruct', 'a/b', 'a_1/b.c-d']) expect(isHubId(ok)).toBe(true);
    for (const bad of [
      'gpt2',
      'a/b c',
      'o/n$x',
      '../etc',
      'a/..',
      'a/.b',
      'a/b/c',
      "a/b'",
      '-a/b',
      'a/' + 'x'.repeat(300),
    ])
      expect(isHubId(bad)).toBe(false);
  });
});
