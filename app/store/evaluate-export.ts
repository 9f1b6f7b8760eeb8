/** The Evaluate section's exports: one CSV row / one JSON line per variant (the CLI `eval` line plus the grid). */
import type { EvaluateResult } from '../../src/protocol/eval-types';

/** One CSV field, quoted when it holds a comma, quote or newline. */
export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** variant, loss, perplexity, ci95 low/high, tokens, examples, and the grid's metrics when there is one. */
export function resultCsv(r: EvaluateResult): string {
  const metricKeys = ['exactMatch', 'rougeL', 'bleu4', 'validJson', 'sameKeys'] as const;
  const header = [
    'variant',
    'loss',
    'perplexity',
    'ci95_low',
    'ci95_high',
    'tokens',
    'examples',
    ...(r.predict ? metricKeys : []),
  ];
  const rows = r.variants.map((v, i) => [
    v.variant,
    v.loss,
    v.perplexity,
    v.ci95[0],
    v.ci95[1],
    v.tokens,
    v.examples,
    ...(r.predict ? metricKeys.map((k) => r.predict!.metrics[i][k]) : []),
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** One JSON line per variant, as `eval` prints it, plus per-example losses and the predictions. */
export function resultJsonl(r: EvaluateResult): string {
  return r.variants
    .map((v, i) => {
      const { variant, loss, perplexity, tokens, examples, ci95, exampleLosses } = v;
      const line: Record<string, unknown> = { variant, loss, perplexity, tokens, examples, ci95, exampleLosses };
      if (r.predict) {
        line.predictions = r.predict.cells[i].map((c, p) => ({
          index: r.predict!.prompts[p].index,
          reference: r.predict!.prompts[p].reference,
          ...c,
        }));
        line.metrics = r.predict.metrics[i];
      }
      return JSON.stringify(line) + '\n';
    })
    .join('');
}
