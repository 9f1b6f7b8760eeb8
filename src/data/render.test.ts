import { describe, expect, it } from 'vitest';
import type { ChatMessage, TextTokenizer } from '../tokenizer/types';
import { previewExample } from './preview';
import { chatSegments, renderExample, withTemplateVariables } from './render';
import { DEFAULT_PROMPT_TEMPLATE, renderPromptTemplate } from './template';
import { prepareDataset } from './prepare';
import { segmentwiseSafe, tokenizeSegments } from './segment-tokens';
import { chunkedInput, jsonl, llama3Tokenizer, qwen3Tokenizer, sentencePieceTokenizer } from './test-inputs.node.js';
import type { TokenizedExample } from './types';

const qwen = qwen3Tokenizer();
const qwenBase = qwen3Tokenizer(false);
const IM_END = 151645;

/** Decoded text of the maximal runs of tokens that carry loss. */
function lossSpans(tok: TextTokenizer, ex: TokenizedExample): string[] {
  const spans: string[] = [];
  let run: number[] = [];
  for (let t = 0; t <= ex.ids.length; t++) {
    if (t < ex.ids.length && ex.lossMask[t]) run.push(ex.ids[t]);
    else if (run.length) {
      spans.push(tok.decode(run));
      run = [];
    }
  }
  return spans;
}

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: 'It is 4.' },
  { role: 'user', content: 'And 3+3? Answer in 日本語 🙂' },
  { role: 'assistant', content: '6 です 🙂' },
];

describe('chat rendering with the real Qwen3 chat template', () => {
  it('puts loss on the assistant turns only, up to and including their <|im_end|>', () => {
    const ex = renderExample({ kind: 'chat', messages: CONVERSATION }, qwen, {
      template: 'chat',
      completionOnly: true,
    });
    const full = qwen.applyChatTemplate(CONVERSATION);
    expect(qwen.decode(Array.from(ex.ids))).toBe(full);
    expect(lossSpans(qwen, ex)).toEqual(['It is 4.<|im_end|>', '<think>\n\n</think>\n\n6 です 🙂<|im_end|>']);
    expect(ex.lossMask[0]).toBe(0);
    // Both turn ends are targets: the model learns to stop.
    const ends = Array.from(ex.ids).flatMap((id, t) => (id === IM_END ? [ex.lossMask[t]] : []));
    expect(ends).toEqual([0, 0, 1, 0, 1]);
  });

  it('tokenizes prompt and assistant segments exactly as the joint text would be here', () => {
    const ex = renderExample({ kind: 'chat', messages: CONVERSATION }, qwen, {
      template: 'chat',
      completionOnly: true,
    });
    expect(Array.from(ex.ids)).toEqual(qwen.encode(qwen.applyChatTemplate(CONVERSATION), { addSpecialTokens: false }));
  });

  it('finds every assistant span as a prefix rendering (TRL-style) and they cover the whole text', () => {
    const segs = chatSegments(qwen, CONVERSATION);
    expect(segs.map((s) => s.text).join('')).toBe(qwen.applyChatTemplate(CONVERSATION));
    expect(segs.filter((s) => s.loss)).toHaveLength(2);
  });

  it('handles Llama 3 (BOS in the template; a template that always appends the assistant header)', () => {
    const llama = llama3Tokenizer();
    const msgs: ChatMessage[] = [
      { role: 'user', content: 'Hi there' },
      { role: 'assistant', content: 'Hello! 🙂' },
      { role: 'user', content: 'Bye' },
      { role: 'assistant', content: 'Ciao.' },
    ];
    const ex = renderExample({ kind: 'chat', messages: msgs }, llama, { template: 'chat', completionOnly: true });
    expect(ex.ids[0]).toBe(llama.bosTokenId);
    expect(lossSpans(llama, ex)).toEqual(['Hello! 🙂<|eot_id|>', 'Ciao.<|eot_id|>']);
    expect(Array.from(ex.ids)).toEqual(llama.encode(llama.applyChatTemplate(msgs), { addSpecialTokens: false }));
  });

  it('keeps assistant turns with OpenAI "weight": 0 as context only', async () => {
    const rec = { messages: CONVERSATION.map((m, i) => (i === 2 ? { ...m, weight: 0 } : m)) };
    const r = await prepareDataset(
      [chunkedInput('w.jsonl', jsonl([rec, { messages: [CONVERSATION[1], { ...CONVERSATION[2], weight: 0 }] }]))],
      qwen,
      { policy: 'skip' },
    );
    expect(r.problems.map((p) => p.message)).toEqual([
      'every assistant message has weight 0 in "messages": nothing to train on',
    ]);
    expect(lossSpans(qwen, r.train[0])).toEqual(['<think>\n\n</think>\n\n6 です 🙂<|im_end|>']);
  });

  it('passes template variables: Qwen3 enable_thinking=false puts the empty think block in the prompt', () => {
    const noThink = withTemplateVariables(qwen, { enable_thinking: false });
    const ex = renderExample({ kind: 'chat', messages: CONVERSATION }, noThink, {
      template: 'chat',
      completionOnly: true,
    });
    expect(lossSpans(qwen, ex)).toEqual(['It is 4.<|im_end|>', '6 です 🙂<|im_end|>']);
    const p = previewExample({ prompt: 'Q?', completion: 'A.' }, qwen, {
      templateVariables: { enable_thinking: false },
    });
    expect(
      p.ok &&
        p.tokens
          .filter((t) => t.loss)
          .map((t) => t.text)
          .join(''),
    ).toBe('A.<|im_end|>');
  });

  it('keeps an assistant message that opens the conversation as context', () => {
    const msgs: ChatMessage[] = [
      { role: 'assistant', content: 'Hi! Ask me.' },
      { role: 'user', content: 'Why?' },
      { role: 'assistant', content: 'Because.' },
    ];
    const ex = renderExample({ kind: 'chat', messages: msgs }, qwen, { template: 'chat', completionOnly: true });
    expect(lossSpans(qwen, ex)).toEqual(['<think>\n\n</think>\n\nBecause.<|im_end|>']);
    expect(() =>
      renderExample({ kind: 'chat', messages: msgs.slice(0, 2) }, qwen, { template: 'chat', completionOnly: true }),
    ).toThrow(/no assistant message to train on/);
  });

  it('gives every token loss (except the first) when completion-only is off', () => {
    const ex = renderExample({ kind: 'chat', messages: CONVERSATION }, qwen, {
      template: 'chat',
      completionOnly: false,
    });
    expect(ex.lossMask.reduce((s, v) => s + v, 0)).toBe(ex.ids.length - 1);
  });

  it('renders prompt/completion through the chat template by default for a chat model', () => {
    const ex = renderExample(
      { kind: 'prompt', prompt: 'Capital of France?', completion: 'Paris.', system: 'Be brief.' },
      qwen,
      { template: 'chat', completionOnly: true },
    );
    expect(lossSpans(qwen, ex)).toEqual(['<think>\n\n</think>\n\nParis.<|im_end|>']);
    expect(qwen.decode(Array.from(ex.ids))).toContain('<|im_start|>system\nBe brief.<|im_end|>');
  });
});

describe('prompt templates (base model without a chat template)', () => {
  it('drops paragraphs whose placeholders are empty', () => {
    expect(renderPromptTemplate(DEFAULT_PROMPT_TEMPLATE, { prompt: 'Add.', input: '2 and 3' })).toBe(
      '### Instruction:\nAdd.\n\n### Input:\n2 and 3\n\n### Response:\n',
    );
    expect(renderPromptTemplate(DEFAULT_PROMPT_TEMPLATE, { prompt: 'Hi', system: 'Sys' })).toBe(
      'Sys\n\n### Instruction:\nHi\n\n### Response:\n',
    );
  });

  it('masks the prompt and trains on the completion plus EOS', () => {
    const ex = renderExample({ kind: 'prompt', prompt: 'Name a color.', completion: 'Blue.' }, qwenBase, {
      template: DEFAULT_PROMPT_TEMPLATE,
      completionOnly: true,
    });
    expect(lossSpans(qwenBase, ex)).toEqual(['Blue.<|im_end|>']);
    expect(ex.ids[ex.ids.length - 1]).toBe(qwenBase.eosTokenIds[0]);
    expect(qwenBase.decode(Array.from(ex.ids))).toBe(
      '### Instruction:\nName a color.\n\n### Response:\nBlue.<|im_end|>',
    );
  });

  it('renders plain text with loss everywhere but the first token, and EOS appended', () => {
    const ex = renderExample({ kind: 'text', text: 'Once upon a time.' }, qwenBase, {
      template: DEFAULT_PROMPT_TEMPLATE,
      completionOnly: true,
    });
    expect(ex.lossMask[0]).toBe(0);
    expect(Array.from(ex.lossMask.subarray(1)).every((v) => v === 1)).toBe(true);
    expect(qwenBase.decode(Array.from(ex.ids))).toBe('Once upon a time.<|im_end|>');
  });
});

describe('SentencePiece-style tokenizers (a "▁" prepended on every encode call)', () => {
  const sp = sentencePieceTokenizer();

  it('are detected, and segments are cut from the joint encoding instead of encoded alone', () => {
    expect(segmentwiseSafe(sp)).toBe(false);
    expect(segmentwiseSafe(qwen)).toBe(true);
    const segs = tokenizeSegments(
      sp,
      [
        { text: 'Q: Hi\nA:\n', loss: false },
        { text: 'Paris', loss: true },
      ],
      true,
    );
    expect(segs.flatMap((s) => s.ids)).toEqual(sp.encode('Q: Hi\nA:\nParis'));
    expect(segs[1].ids).not.toEqual(sp.encode('Paris', { addSpecialTokens: false })); // alone it would gain a "▁"
  });

  it('prompt template: the tokens are those of the whole text, loss on the completion and EOS', () => {
    const ex = renderExample({ kind: 'prompt', prompt: 'Capital?', completion: 'Paris' }, sp, {
      template: DEFAULT_PROMPT_TEMPLATE,
      completionOnly: true,
    });
    const text = renderPromptTemplate(DEFAULT_PROMPT_TEMPLATE, { prompt: 'Capital?' }) + 'Paris';
    expect(Array.from(ex.ids)).toEqual([...sp.encode(text), 2]);
    expect(lossSpans(sp, ex)).toEqual(['Paris</s>']);
  });

  it('chat template: loss on the assistant turns through </s>, tokens as the whole text', () => {
    const msgs: ChatMessage[] = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Paris' },
      { role: 'user', content: 'Again' },
      { role: 'assistant', content: 'Hi Paris' },
    ];
    const ex = renderExample({ kind: 'chat', messages: msgs }, sp, { template: 'chat', completionOnly: true });
    expect(Array.from(ex.ids)).toEqual(sp.encode(sp.applyChatTemplate(msgs), { addSpecialTokens: false }));
    expect(lossSpans(sp, ex)).toEqual(['Paris</s>', 'Hi Paris</s>']);
  });
});

describe('previewExample', () => {
  it('shows each token with its loss flag; the texts join to the rendered text', () => {
    const rec = {
      conversations: [
        { from: 'human', value: 'Say 🙂' },
        { from: 'gpt', value: 'Voilà 🙂' },
      ],
    };
    const p = previewExample(rec, qwen);
    if (!p.ok) throw new Error(p.message);
    expect(p.mapping.shape).toBe('sharegpt');
    expect(p.tokens.map((t) => t.text).join('')).toBe(
      qwen.applyChatTemplate([
        { role: 'user', content: 'Say 🙂' },
        { role: 'assistant', content: 'Voilà 🙂' },
      ]),
    );
    const trained = p.tokens
      .filter((t) => t.loss)
      .map((t) => t.text)
      .join('');
    expect(trained).toBe('<think>\n\n</think>\n\nVoilà 🙂<|im_end|>');
    expect(p.lossTokens).toBe(p.tokens.filter((t) => t.loss).length);
  });

  it('explains a record it cannot render', () => {
    expect(previewExample({ prompt: 'x', completion: '' }, qwen)).toEqual({
      ok: false,
      message: 'empty completion (field "completion")',
      field: 'completion',
    });
    expect(previewExample({ foo: 1 }, qwen)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no usable field/),
    });
  });
});
