/**
 * A tiny random Llama the overfit spec writes itself, smaller than the unit test's (hidden 16, 1 layer), with the
 * committed fixture's byte-level tokenizer (256 tokens), and a repetitive "prompt → completion" dataset for it.
 */
import { FIXTURE_MODEL } from './helpers';
import { randomLlamaFiles, type Payload } from './random-llama';

/** config.json, model.safetensors (tied embeddings) and the byte-level tokenizer files. */
export function overfitModelFiles(): Payload[] {
  return randomLlamaFiles(FIXTURE_MODEL, {
    shape: { hidden: 16, layers: 1, heads: 4, kvHeads: 2, intermediate: 32, vocab: 256 },
    draw: { seed: 2024, embedScale: 2, weightScale: 0.3 },
    ids: { maxPositions: 256, bos: 1, eos: 2 },
  });
}

/** `count` JSONL lines: four prompts, one short completion each (the prompt decides it), repeated. */
export function overfitDataset(count = 20): Payload {
  const completions = [' aaaa', ' bbbb', ' abab', ' baba'];
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ prompt: `Q${i % 4}:`, completion: completions[i % 4] }),
  );
  return { name: 'overfit.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(lines.join('\n') + '\n') };
}
