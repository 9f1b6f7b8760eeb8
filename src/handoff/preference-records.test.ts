import { describe, expect, it } from 'vitest';
import { preferencePair } from './preference-records';

describe('preference pairs for a hand-off', () => {
  it('prompt/completion sides: system and user turns as the prompt, the completions as the answers', () => {
    const pair = preferencePair({
      kind: 'preference',
      chosen: { kind: 'prompt', prompt: 'u', completion: 'good', system: 'S' },
      rejected: { kind: 'prompt', prompt: 'u', completion: 'bad', system: 'S' },
    });
    expect(pair).toEqual({
      prompt: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'u' },
      ],
      chosen: 'good',
      rejected: 'bad',
    });
  });

  it('chat sides: the turns before the last assistant turn are the prompt', () => {
    const turns = [
      { role: 'user' as const, content: 'q1' },
      { role: 'assistant' as const, content: 'a1' },
      { role: 'user' as const, content: 'q2' },
    ];
    const pair = preferencePair({
      kind: 'preference',
      chosen: { kind: 'chat', messages: [...turns, { role: 'assistant', content: 'yes' }] },
      rejected: { kind: 'chat', messages: [...turns, { role: 'assistant', content: 'no' }] },
    });
    expect(pair).toEqual({ prompt: turns, chosen: 'yes', rejected: 'no' });
  });
});
