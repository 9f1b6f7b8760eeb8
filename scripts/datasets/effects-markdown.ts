/** Renders the measured adapter effects (report-effects.ts) as public/datasets/EFFECTS.md. */
import type { JsonScore } from './adapter-effects';

export interface StyleRow {
  id: string;
  steps: number;
  seconds: number;
  /** Mean of the first and of the last five step losses. */
  trainLoss: [number, number];
  /** Held-out loss (nats/token): base, then base + adapter. */
  heldOut: [number, number];
}

export interface FormatRow extends StyleRow {
  base: JsonScore;
  tuned: JsonScore;
}

export interface EffectsReport {
  generated: string;
  backend: string;
  cpu: string;
  steps: number;
  formatSteps: number;
  lr: number;
  evalCount: number;
  minutes: number;
  styles: {
    rows: StyleRow[];
    blend: Array<{ melvilleWeight: number; melvilleLoss: number; sotuLoss: number }>;
    continuations: Array<{ prompt: string; base: string; melville: string; sotu: string; blend: string }>;
  };
  formats: FormatRow[];
}

const f3 = (x: number) => x.toFixed(3);
const quote = (s: string) => '`' + s.replace(/\s+/g, ' ').replace(/`/g, "'").trim() + '`';

function trainingTable(rows: StyleRow[]): string[] {
  return [
    '| dataset | steps | time | train loss (first 5 → last 5 steps) | held-out loss, base → adapter |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.steps} | ${r.seconds.toFixed(0)} s | ${f3(r.trainLoss[0])} → ${f3(r.trainLoss[1])} | ` +
        `${f3(r.heldOut[0])} → ${f3(r.heldOut[1])} (${(((r.heldOut[1] - r.heldOut[0]) / r.heldOut[0]) * 100).toFixed(1)}%) |`,
    ),
  ];
}

function blendTable(r: EffectsReport): string[] {
  return [
    '| weights (melville / sotu) | held-out loss on Melville | held-out loss on the speeches |',
    '|---|---|---|',
    ...r.styles.blend.map(
      (b) => `| ${b.melvilleWeight} / ${1 - b.melvilleWeight} | ${f3(b.melvilleLoss)} | ${f3(b.sotuLoss)} |`,
    ),
  ];
}

function continuationTable(r: EffectsReport): string[] {
  return [
    '| prompt | base | + melville | + sotu | + both at 0.5 |',
    '|---|---|---|---|---|',
    ...r.styles.continuations.map(
      (c) => `| ${quote(c.prompt)} | ${quote(c.base)} | ${quote(c.melville)} | ${quote(c.sotu)} | ${quote(c.blend)} |`,
    ),
  ];
}

function formatSection(f: FormatRow): string[] {
  const score = (s: JsonScore) =>
    `${s.shaped}/${s.total} in the record's shape (\`{\` then every key in order), ${s.valid}/${s.total} parse as JSON, ` +
    `${s.sameKeys}/${s.total} parse with exactly the reference's keys`;
  return [
    `### ${f.id}`,
    '',
    `- Held-out loss on the answers: ${f3(f.heldOut[0])} → ${f3(f.heldOut[1])} nats/token.`,
    `- Greedy answers to held-out prompts: base ${score(f.base)}; with the adapter ${score(f.tuned)}.`,
    `- Example prompt: ${quote(f.tuned.example.prompt)}`,
    `  - reference: ${quote(f.tuned.example.reference)}`,
    `  - base: ${quote(f.base.example.output)}`,
    `  - adapter: ${quote(f.tuned.example.output)}`,
    '',
  ];
}

/** The whole EFFECTS.md. */
export function renderEffects(r: EffectsReport): string {
  return [
    '# What the sample datasets teach the demo model',
    '',
    `Measured by \`npx tsx scripts/datasets/report-effects.ts\` on ${r.generated} (tfjs ${r.backend} backend in Node, one core`,
    `of ${r.cpu}; ${r.minutes.toFixed(1)} minutes in all). Each adapter is the studio's **Quick** preset: rank 8 on every`,
    `linear layer, 4 examples × ≤ 192 tokens per step, lr ${r.lr} (Quick's rate for a base under 50M parameters), linear`,
    `decay; ${r.steps} steps for a style, ${r.formatSteps} for a new format (Quick with more steps). Held-out numbers use`,
    `${r.evalCount} examples of each dataset that the adapter never trained on. Greedy decoding (temperature 0), no`,
    'repetition penalty.',
    '',
    '## Training',
    '',
    ...trainingTable([...r.styles.rows, ...r.formats]),
    '',
    '## Two styles, and a blend',
    '',
    "Both style adapters live in one adapter stack (the studio's mixer); sliding the weight moves the model from one",
    'register to the other. A lower loss on a text means the mix writes more like it.',
    '',
    ...blendTable(r),
    '',
    ...continuationTable(r),
    '',
    '## A new format',
    '',
    ...r.formats.flatMap(formatSection),
  ].join('\n');
}
