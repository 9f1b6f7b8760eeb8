/**
 * The targets of issue 8, checked against measured figures. A target is never marked passed without a figure
 * behind it: missing figures give `pass: null` ("not measured") and targets that are defined for another
 * backend give `pass: null` with the reason, so a table can never show a green tick that was not earned.
 */
import type { BackendName, BenchResult, Figure } from './types';

export interface TargetCheck {
  /** What the target says, e.g. "train step ≥ 40% backend-MFU". */
  target: string;
  /** The figure it was checked against (or the pattern when none matched). */
  figureKey: string;
  comparator: '≥' | '≤';
  threshold: number;
  unit: string;
  /** Median of the figure, or null when not measured. */
  value: number | null;
  /** true/false when checked; null when not measured or not applicable on this backend. */
  pass: boolean | null;
  note?: string;
}

interface TargetRule {
  target: string;
  /** Figures this rule checks. */
  match: RegExp;
  comparator: '≥' | '≤';
  threshold: number;
  unit: string;
  /** Backends the target is stated for; others give "not applicable". */
  backends: readonly BackendName[];
}

const RULES: readonly TargetRule[] = [
  {
    target: 'LoRA train step ≥ 40% backend-MFU',
    match: /^train\/(f32|f16|int8|int4|nf4)\/b\d+\/mfu$/,
    comparator: '≥',
    threshold: 40,
    unit: '%',
    backends: ['wasm', 'webgpu'],
  },
  {
    target: 'LoRA step on every core ≥ 1.6× one thread (our pool, interleaved)',
    match: /^train\/(f32|f16|int8|int4|nf4)\/b1\/threads-speedup$/,
    comparator: '≥',
    threshold: 1.6,
    unit: '×',
    backends: ['wasm'],
  },
  {
    target: 'int4/nf4 dequant-matmul ≥ 3× tfjs fp32 matMul at M=1',
    match: /^kernels\/(int4|nf4)\/\d+x\d+\/M1\/forward\/vs-f32$/,
    comparator: '≥',
    threshold: 3,
    unit: '×',
    backends: ['webgpu'],
  },
  {
    target: 'int4/nf4 dequant-matmul ≥ 1× tfjs fp32 matMul at M=256',
    match: /^kernels\/(int4|nf4)\/\d+x\d+\/M256\/forward\/vs-f32$/,
    comparator: '≥',
    threshold: 1,
    unit: '×',
    backends: ['webgpu'],
  },
  {
    target: 'decode with KV cache ≥ 20× faster than without, context 256',
    match: /^generate\/[\w-]+\/ctx256\/cache-speedup$/,
    comparator: '≥',
    threshold: 20,
    unit: '×',
    backends: ['webgpu', 'wasm', 'cpu'],
  },
  {
    target: 'int4/nf4 base weights ≤ 0.15× fp32 bytes',
    match: /^memory\/base-bytes\/(int4|nf4)\/vs-f32$/,
    comparator: '≤',
    threshold: 0.15,
    unit: '×',
    backends: ['webgpu', 'wasm', 'cpu'],
  },
  {
    target: 'decode int4 ≥ 0.5× llama.cpp Q4_0 (1 thread each)',
    match: /^peers\/decode\/(smollm2-135m\/)?int4\/ratio$/,
    comparator: '≥',
    threshold: 0.5,
    unit: '×',
    backends: ['wasm'],
  },
  {
    target: 'decode f32 ≥ 0.5× llama.cpp F32 (1 thread each)',
    match: /^peers\/decode\/(smollm2-135m\/)?f32\/ratio$/,
    comparator: '≥',
    threshold: 0.5,
    unit: '×',
    backends: ['wasm'],
  },
  {
    target: 'prefill ≥ 0.5× llama.cpp (1 thread each)',
    match: /^peers\/decode\/(smollm2-135m\/)?(f32|int8|int4)\/prefill-ratio$/,
    comparator: '≥',
    threshold: 0.5,
    unit: '×',
    backends: ['wasm'],
  },
  {
    target: 'decode int4 ≥ 1.5× our own f32',
    match: /^peers\/decode\/(smollm2-135m\/)?int4\/vs-ours-f32$/,
    comparator: '≥',
    threshold: 1.5,
    unit: '×',
    backends: ['wasm'],
  },
  {
    target: 'LoRA step (f32 and int4 base) ≥ 0.6× PyTorch + OpenBLAS f32 (1 thread each)',
    match: /^peers\/train\/[\w.-]+\/(f32|int4)\/ratio$/,
    comparator: '≥',
    threshold: 0.6,
    unit: '×',
    backends: ['wasm'],
  },
];

function check(rule: TargetRule, fig: Figure, backend: BackendName): TargetCheck {
  const base = { target: rule.target, figureKey: fig.key, comparator: rule.comparator, threshold: rule.threshold };
  const value = fig.median;
  if (!rule.backends.includes(backend)) {
    const note = `stated for ${rule.backends.join('/')}, measured on ${backend}: informational only`;
    return { ...base, unit: rule.unit, value, pass: null, note };
  }
  const pass = rule.comparator === '≥' ? value >= rule.threshold : value <= rule.threshold;
  return { ...base, unit: rule.unit, value, pass };
}

/** Checks every target against the figures of one result; one entry per matching figure. */
export function evaluateTargets(result: Pick<BenchResult, 'backend' | 'figures'>): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const rule of RULES) {
    const figs = result.figures.filter((f) => rule.match.test(f.key));
    if (figs.length === 0) {
      out.push({
        target: rule.target,
        figureKey: rule.match.source,
        comparator: rule.comparator,
        threshold: rule.threshold,
        unit: rule.unit,
        value: null,
        pass: null,
        note: 'not measured in this run',
      });
      continue;
    }
    for (const fig of figs) out.push(check(rule, fig, result.backend));
  }
  return out;
}
