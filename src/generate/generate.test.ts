/**
 * generate() on the committed tiny HF checkpoints (fixtures/models, random weights) with a real byte-level
 * tokenizer whose 256 ids match the fixtures' vocabulary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import type { DecoderModel } from '../model/llama';
import type { AdapterHook } from '../model/linear';
import { createLinearFactory } from '../model/linear-factory';
import { loadModel } from '../model/load';
import { registerQuantKernels } from '../quant/kernels/register';
import { wasmGemvSettings } from '../quant/kernels/wasm/wasm-gemv-host';
import { modelFixtureFiles, type ModelFixture } from '../test-utils/model-fixtures.node.js';
import { byteLevelTokenizerJson } from '../tokenizer/byte-vocab';
import { createTokenizer, loadTokenizer } from '../tokenizer/load';
import { generate, messageChannelYield, promptIds } from './generate';
import type { TokenEvent } from './types';

const tokenizer = createTokenizer(byteLevelTokenizerJson(), {});
const models = new Map<ModelFixture, DecoderModel>();

beforeAll(async () => {
  await initNodeBackend('wasm');
  for (const name of ['qwen3', 'llama3-rope-untied', 'mistral'] as const)
    models.set(name, await loadModel(modelFixtureFiles(name)));
});
afterAll(() => {
  for (const m of models.values()) m.dispose();
});

/** Greedy decoding the slow way: a full forward over the whole sequence for every new token, no cache. */
function greedyNoCache(model: DecoderModel, prompt: number[], steps: number, hook?: AdapterHook): number[] {
  const ids = [...prompt];
  for (let s = 0; s < steps; s++) {
    const next = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(ids, [1, ids.length], 'int32'), { hook }); // [1, seq, vocab]
      return logits
        .slice([0, ids.length - 1, 0], [1, 1, model.config.vocab])
        .flatten()
        .argMax()
        .dataSync()[0];
    });
    ids.push(next);
  }
  return ids.slice(prompt.length);
}

describe('generate with the KV cache', () => {
  it.each(['qwen3', 'llama3-rope-untied', 'mistral'] as const)(
    'greedy equals argmax over repeated full forwards (%s)',
    async (name) => {
      const model = models.get(name)!;
      const prompt = 'The quick brown fox';
      const result = await generate(model, tokenizer, { prompt, maxNewTokens: 24 });
      const reference = greedyNoCache(model, tokenizer.encode(prompt), 24);
      // config.json's eos_token_id ends generation, as in transformers.
      const eosAt = reference.findIndex((id) => model.config.eosTokenIds.includes(id));
      expect(result.finishReason).toBe(eosAt >= 0 ? 'eos' : 'length');
      expect(result.ids).toEqual(eosAt >= 0 ? reference.slice(0, eosAt + 1) : reference);
      expect(result.newTokens).toBe(result.ids.length);
      expect(result.promptTokens).toBe(19);
    },
  );

  it('gives the same tokens through a model that only offers forward()', async () => {
    const m = models.get('mistral')!;
    const forwardOnly = {
      config: m.config,
      createCache: (b: number, n: number) => m.createCache(b, n),
      forward: m.forward.bind(m),
    };
    const req = { prompt: 'Same path?', maxNewTokens: 12 };
    expect((await generate(forwardOnly, tokenizer, req)).ids).toEqual((await generate(m, tokenizer, req)).ids);
  });

  it('applies an adapter hook in prefill and in every cached step', async () => {
    const model = models.get('llama3-rope-untied')!;
    const { hidden, intermediate } = model.config;
    const r = tf.randomNormal([intermediate, hidden], 0, 0.5, 'float32', 17) as tf.Tensor2D; // [in, out]
    const hook: AdapterHook = {
      delta: (path, x) => (path.endsWith('mlp.down_proj') ? (tf.matMul(x, r) as tf.Tensor2D) : null),
    };
    try {
      const prompt = 'Adapters!';
      const plain = await generate(model, tokenizer, { prompt, maxNewTokens: 16 });
      const adapted = await generate(model, tokenizer, { prompt, maxNewTokens: 16, hook });
      expect(adapted.ids).toEqual(greedyNoCache(model, tokenizer.encode(prompt), 16, hook));
      expect(adapted.ids).not.toEqual(plain.ids);
    } finally {
      r.dispose();
    }
  });

  it('keeps the tensor count flat across steps and frees everything at the end', async () => {
    const model = models.get('qwen3')!;
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await generate(
      model,
      tokenizer,
      { prompt: 'abc', maxNewTokens: 12, temperature: 0.8, topK: 50, topP: 0.9, seed: 1 },
      {
        onToken: () => counts.push(tf.memory().numTensors),
      },
    );
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('streams pieces that join to the final text, which is the decoded ids', async () => {
    const events: TokenEvent[] = [];
    const result = await generate(
      models.get('qwen3')!,
      tokenizer,
      { prompt: 'Hi', maxNewTokens: 40, temperature: 1.2, seed: 7 },
      {
        onToken: (ev) => events.push(ev),
      },
    );
    expect(events.map((e) => e.index)).toEqual([...Array(40).keys()]);
    expect(events.map((e) => e.id)).toEqual(result.ids);
    expect(events.map((e) => e.text).join('')).toBe(result.text);
    expect(result.text).toBe(tokenizer.decode(result.ids));
    for (const e of events) expect(e.text.endsWith('\uFFFD') && e.index < 39).toBe(false);
  });

  it('is reproducible per seed', async () => {
    const model = models.get('llama3-rope-untied')!;
    const req = { prompt: 'Once upon', maxNewTokens: 16, temperature: 1, topP: 0.95, repetitionPenalty: 1.2 };
    const a = await generate(model, tokenizer, { ...req, seed: 42 });
    const b = await generate(model, tokenizer, { ...req, seed: 42 });
    const c = await generate(model, tokenizer, { ...req, seed: 43 });
    expect(a.ids).toEqual(b.ids);
    expect(a.seed).toBe(42);
    expect(c.ids).not.toEqual(a.ids);
  });
});

describe('generate on a packed base (wasm)', () => {
  it.each(['int4', 'int8'] as const)(
    '%s: generation runs the integer-dot GEMV (prompt and cached steps), scoring does not; greedy tokens equal the exact path',
    async (mode) => {
      registerQuantKernels();
      const model = await loadModel(modelFixtureFiles('qwen3'), {
        linearFactory: createLinearFactory(mode, { groupSize: 64 }),
      });
      try {
        const req = { prompt: 'The quick', maxNewTokens: 16 }; // 9 tokens: within quantizedMaxRows
        const [calls, quantized] = [wasmGemvSettings.calls, wasmGemvSettings.quantizedCalls];
        const fast = await generate(model, tokenizer, req);
        const perStep = model.config.layers * 7; // q, k, v, o, gate, up, down per layer
        const forwards = fast.ids.length; // the prompt pass, then one per later token
        // and per forward the LM head's int8 copy (decode-head.ts: generation over a packed base)
        expect(wasmGemvSettings.quantizedCalls - quantized).toBe(forwards * (perStep + 1));
        expect(wasmGemvSettings.calls - calls).toBe(forwards * (perStep + 1));
        // A plain forward (what scoring runs) keeps x in f32: 2 rows take the f32-x GEMV, none of it quantized.
        const before = [wasmGemvSettings.calls, wasmGemvSettings.quantizedCalls];
        tf.tidy(() => model.forward(tf.tensor2d([[1, 2]], [1, 2], 'int32')));
        expect([wasmGemvSettings.calls, wasmGemvSettings.quantizedCalls]).toEqual([before[0] + perStep, before[1]]);
        wasmGemvSettings.quantizeX = 'never';
        const exact = await generate(model, tokenizer, req);
        wasmGemvSettings.quantizeX = 'generation';
        expect(fast.ids).toEqual(exact.ids);
      } finally {
        model.dispose();
      }
    },
  );
});

describe('generate stop conditions', () => {
  const model = () => models.get('qwen3')!;
  const base = { prompt: 'Tell me', maxNewTokens: 16 };

  it('stops at an EOS id from generation_config and keeps it in ids but not in text', async () => {
    const free = await generate(model(), tokenizer, base);
    const eosId = free.ids[5];
    const first = free.ids.indexOf(eosId);
    const withEos = createTokenizer(byteLevelTokenizerJson(), {}, { eos_token_id: [eosId] });
    const result = await generate(model(), withEos, base);
    expect(result.finishReason).toBe('eos');
    expect(result.ids).toEqual(free.ids.slice(0, first + 1));
    expect(result.text).toBe(tokenizer.decode(free.ids.slice(0, first)));
  });

  it('stops at a stop string and trims it', async () => {
    const m = models.get('mistral')!;
    const free = await generate(m, tokenizer, base);
    // A 2-character stop string from the middle of the free-running text, avoiding replacement characters.
    const chars = [...free.text];
    let k = 3;
    while (chars[k] === '\uFFFD' || chars[k + 1] === '\uFFFD') k++;
    const stop = chars[k] + chars[k + 1];
    const cut = free.text.indexOf(stop);
    const events: string[] = [];
    const result = await generate(
      m,
      tokenizer,
      { ...base, stop: ['never-appears', stop] },
      { onToken: (e) => events.push(e.text) },
    );
    expect(result.finishReason).toBe('stop');
    expect(result.text).toBe(free.text.slice(0, cut));
    expect(events.join('')).toBe(result.text);
    expect(result.ids).toEqual(free.ids.slice(0, result.ids.length));
    expect(result.ids.length).toBeLessThan(free.ids.length);
  });

  it('stops on a stop string that is one special token, by id', async () => {
    const free = await generate(model(), tokenizer, base);
    const special = free.ids[6];
    const first = free.ids.indexOf(special);
    const json = byteLevelTokenizerJson() as { added_tokens: object[] };
    json.added_tokens = [
      {
        id: special,
        content: '<|end|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ];
    const withSpecial = createTokenizer(json, {});
    const parts: string[] = [];
    const result = await generate(
      model(),
      withSpecial,
      { ...base, stop: ['<|end|>'] },
      { onToken: (e) => parts.push(e.text) },
    );
    expect(result.finishReason).toBe('stop');
    expect(result.ids).toEqual(free.ids.slice(0, first + 1));
    expect(result.text).toBe(tokenizer.decode(free.ids.slice(0, first)));
    expect(parts.join('')).toBe(result.text);
  });

  it('aborts: before the first token nothing is generated; mid-way it ends after the step in flight', async () => {
    const pre = new AbortController();
    pre.abort();
    const none = await generate(model(), tokenizer, base, { signal: pre.signal });
    expect(none).toMatchObject({ finishReason: 'aborted', ids: [], text: '', newTokens: 0 });
    const mid = new AbortController();
    const parts: string[] = [];
    const result = await generate(model(), tokenizer, base, {
      signal: mid.signal,
      onToken: (e) => {
        parts.push(e.text);
        if (e.index === 2) mid.abort();
      },
    });
    expect(result.finishReason).toBe('aborted');
    expect(result.newTokens).toBe(4);
    expect(parts.join('')).toBe(result.text);
  });

  it('clamps to the context length and rejects bad requests clearly', async () => {
    const m = model();
    const long = 'x'.repeat(m.config.maxPositionEmbeddings - 3);
    const clamped = await generate(m, tokenizer, { prompt: long, maxNewTokens: 50 });
    expect(clamped.newTokens).toBe(3);
    await expect(generate(m, tokenizer, { prompt: long + 'xyz', maxNewTokens: 5 })).rejects.toThrow(
      /context is 256 tokens/,
    );
    await expect(generate(m, tokenizer, { prompt: 'a', maxNewTokens: 0 })).rejects.toThrow(/maxNewTokens/);
    await expect(generate(m, tokenizer, { prompt: 'a', maxNewTokens: 2, topP: 2 })).rejects.toThrow(/top-p/);
    await expect(generate(m, tokenizer, { prompt: '', maxNewTokens: 2 })).rejects.toThrow(/prompt is empty/);
    await expect(generate(m, tokenizer, { promptIds: [300], maxNewTokens: 2 })).rejects.toThrow(
      /outside the vocabulary/,
    );
    await expect(generate(m, tokenizer, { prompt: 'a', promptIds: [1], maxNewTokens: 2 })).rejects.toThrow(
      /exactly one/,
    );
  });
});

describe('generate inputs', () => {
  it('renders messages with the chat template and the assistant header, without adding special tokens again', async () => {
    const chat = createTokenizer(byteLevelTokenizerJson(), {
      chat_template:
        '{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}',
    });
    const messages = [{ role: 'user' as const, content: 'hello' }];
    expect(promptIds(chat, { messages, maxNewTokens: 1 })).toEqual(
      chat.encode('<user>hello\n<assistant>', { addSpecialTokens: false }),
    );
    const result = await generate(models.get('qwen3')!, chat, { messages, maxNewTokens: 3 });
    expect(result.promptTokens).toBe('<user>hello\n<assistant>'.length);
    await expect(generate(models.get('qwen3')!, tokenizer, { messages, maxNewTokens: 3 })).rejects.toThrow(
      /no chat template/,
    );
  });

  it("runs on a checkpoint folder's own SentencePiece-style tokenizer (BOS added, 15-token vocab on a 256 embedding)", async () => {
    const files = modelFixtureFiles('llama-tied');
    const model = await loadModel(files);
    try {
      const tok = await loadTokenizer(files);
      expect(promptIds(tok, { prompt: 'hi there', maxNewTokens: 1 })[0]).toBe(tok.bosTokenId);
      const parts: string[] = [];
      const result = await generate(
        model,
        tok,
        { prompt: 'hi there', maxNewTokens: 20, temperature: 1.5, seed: 2 },
        {
          onToken: (e) => parts.push(e.text),
        },
      );
      expect(Math.max(...result.ids)).toBeLessThan(tok.vocabSize);
      expect(parts.join('')).toBe(result.text);
      const body = result.finishReason === 'eos' ? result.ids.slice(0, -1) : result.ids;
      expect(result.text).toBe(tok.decode(body, { skipSpecialTokens: true }));
    } finally {
      model.dispose();
    }
  });

  it('never samples ids beyond the tokenizer vocabulary', async () => {
    const json = byteLevelTokenizerJson() as { model: { vocab: Record<string, number> } };
    json.model.vocab = Object.fromEntries(Object.entries(json.model.vocab).filter(([, id]) => id < 128));
    const ascii = createTokenizer(json, {});
    expect(ascii.vocabSize).toBe(128);
    const result = await generate(models.get('mistral')!, ascii, {
      prompt: 'abc',
      maxNewTokens: 60,
      temperature: 2,
      seed: 3,
    });
    expect(Math.max(...result.ids)).toBeLessThan(128);
  });
});

describe('greedy picks on the device, the host decides what it cannot', () => {
  /** A model whose logits are `rows[i]` at step i (whatever the input), through forward only. */
  const scripted = (rows: number[][]) => {
    let step = 0;
    return {
      config: { vocab: rows[0].length, maxPositionEmbeddings: 64 },
      createCache: () => ({ dispose: () => undefined }),
      forward: (ids: tf.Tensor2D) =>
        tf
          .tensor3d(rows[Math.min(step++, rows.length - 1)], [1, 1, rows[0].length])
          .tile([1, ids.shape[1], 1]) as tf.Tensor3D,
    };
  };

  it('the first of tied maxima; a NaN among finite logits goes to the host argmax (NaN as masked); ids past the tokenizer never', async () => {
    const rows = [
      [0, 5, 5, 1, ...new Array(256).fill(-1), 9], // tie at 1 and 2; id 260 lies past the tokenizer's 256
      [NaN, 2, 7, 7, ...new Array(257).fill(0)], // a NaN: the device's max is not finite, the host picks 2
      [3, ...new Array(260).fill(-1)],
    ];
    const out = await generate(scripted(rows), tokenizer, { promptIds: [1], maxNewTokens: 3, temperature: 0 });
    expect(out.ids).toEqual([1, 2, 0]);
  });

  it('every logit NaN or −∞ fails as the host argmax does', async () => {
    const rows = [[NaN, -Infinity, ...new Array(259).fill(NaN)]];
    await expect(generate(scripted(rows), tokenizer, { promptIds: [1], maxNewTokens: 1 })).rejects.toThrow(
      /nothing can be sampled/,
    );
  });
});

describe("messageChannelYield (the browser worker's yield between tokens)", () => {
  it('resumes callers in the order they yielded, through one kept channel, hop after hop', async () => {
    const Original = globalThis.MessageChannel;
    let made = 0;
    globalThis.MessageChannel = class extends Original {
      constructor() {
        super();
        made++;
      }
    };
    try {
      const order: number[] = [];
      let settled = false;
      const first = messageChannelYield().then(() => (settled = true));
      expect(settled).toBe(false); // a macrotask hop, not a microtask
      await Promise.all([first, ...[1, 2, 3].map((i) => messageChannelYield().then(() => order.push(i)))]);
      expect(order).toEqual([1, 2, 3]);
      for (let i = 0; i < 100; i++) await messageChannelYield();
      expect(made).toBe(1); // the first call's, kept for the 103 after it
    } finally {
      globalThis.MessageChannel = Original;
    }
  });
});
