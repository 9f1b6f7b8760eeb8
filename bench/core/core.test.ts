import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './args';
import { compareResults } from './compare';
import { backendMfu, loraParams, matmulFlops, trainFlopsPerToken } from './flops';
import { median, ratioOf, summarize, summarizeRate } from './stats';
import { formatBytes, formatValue, markdownTable, renderComparison, renderKernelMatrix, renderResult } from './table';
import { evaluateTargets } from './targets';
import type { BenchResult, Figure } from './types';

function fig(key: string, median: number, unit = 'GFLOP/s', higherIsBetter = true, min = median, max = median): Figure {
  return {
    suite: key.split('/')[0] as Figure['suite'],
    key,
    label: key,
    unit,
    median,
    min,
    max,
    runs: 3,
    higherIsBetter,
  };
}

describe('stats', () => {
  it('median of odd and even counts, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });
  it('summarize gives median, min, max, runs and rejects non-finite samples', () => {
    expect(summarize([9, 2, 4, 7, 3])).toEqual({ median: 4, min: 2, max: 9, runs: 5 });
    expect(() => summarize([1, NaN])).toThrow(/non-finite/);
  });
  it('rates: slowest run is the min rate, fastest the max', () => {
    const s = summarizeRate([100, 200, 50], 10); // 10 units in 100 ms = 100/s
    expect(s).toEqual({ median: 100, min: 50, max: 200, runs: 3 });
  });
  it('ratio of summaries spans the widest plausible range', () => {
    const r = ratioOf({ median: 10, min: 8, max: 12, runs: 5 }, { median: 5, min: 4, max: 6, runs: 3 });
    expect(r.median).toBe(2);
    expect(r.min).toBeCloseTo(8 / 6);
    expect(r.max).toBe(3);
    expect(r.runs).toBe(3);
  });
});

describe('flops and MFU', () => {
  it('matmul counts a multiply-add as 2 FLOPs', () => {
    expect(matmulFlops(2, 3, 4)).toBe(48);
  });
  it('train FLOPs per token = 4·N_base + 6·N_lora', () => {
    expect(trainFlopsPerToken(1000, 10)).toBe(4060);
  });
  it('backend-MFU divides achieved FLOP/s by the measured peak', () => {
    // 100 M base, 1 M LoRA, 50 tok/s → 406e6·50 = 20.3 GFLOP/s of 40 GFLOP/s → 50.75 %
    expect(backendMfu(100e6, 1e6, 50, 40e9)).toBeCloseTo(0.5075, 10);
    expect(() => backendMfu(1, 1, 1, 0)).toThrow(/positive/);
  });
  it('LoRA parameters of a projection: rank·(in + out)', () => {
    expect(loraParams(576, 1536, 16)).toBe(16 * (576 + 1536));
  });
});

describe('compare', () => {
  it('matches by key, orients improvement by direction, flags non-overlapping spreads', () => {
    const a = {
      figures: [
        fig('peak/x', 10, 'GFLOP/s', true, 9, 11),
        fig('train/f32/b1/ms-per-step', 200, 'ms', false, 190, 210),
        fig('data/gone', 1),
      ],
    };
    const b = {
      figures: [
        fig('peak/x', 20, 'GFLOP/s', true, 19, 21),
        fig('train/f32/b1/ms-per-step', 205, 'ms', false, 195, 215),
        fig('memory/new', 1, 'B'),
      ],
    };
    const cmp = compareResults(a, b);
    expect(cmp.matched).toHaveLength(2);
    const [peak, step] = cmp.matched;
    expect(peak.ratio).toBe(2);
    expect(peak.improvement).toBe(2);
    expect(peak.significant).toBe(true);
    expect(step.ratio).toBeCloseTo(1.025);
    expect(step.improvement).toBeCloseTo(200 / 205);
    expect(step.significant).toBe(false);
    expect(cmp.onlyInA).toEqual(['data/gone']);
    expect(cmp.onlyInB).toEqual(['memory/new']);
    const text = renderComparison(cmp, 'A.json', 'B.json');
    expect(text).toContain('| peak/x | 10 GFLOP/s | 20 GFLOP/s | 2× | 2× | better |');
    expect(text).toContain('within noise');
  });
});

describe('targets', () => {
  const figures = [
    fig('train/int4/b1/mfu', 45, '%'),
    fig('train/nf4/b4/mfu', 12, '%'),
    fig('kernels/int4/576x576/M1/forward/vs-f32', 3.5, '×'),
    fig('memory/base-bytes/nf4/vs-f32', 0.14, '×', false),
  ];
  it('checks thresholds on the backend they are stated for, never passes what was not measured', () => {
    const checks = evaluateTargets({ backend: 'webgpu', figures });
    const byKey = new Map(checks.map((c) => [c.figureKey, c]));
    expect(byKey.get('train/int4/b1/mfu')?.pass).toBe(true);
    expect(byKey.get('train/nf4/b4/mfu')?.pass).toBe(false);
    expect(byKey.get('kernels/int4/576x576/M1/forward/vs-f32')?.pass).toBe(true);
    expect(byKey.get('memory/base-bytes/nf4/vs-f32')?.pass).toBe(true);
    const unmeasured = checks.filter((c) => c.value === null);
    expect(unmeasured.map((c) => c.target)).toEqual([
      'LoRA step on every core ≥ 1.6× one thread (our pool, interleaved)',
      'int4/nf4 dequant-matmul ≥ 1× tfjs fp32 matMul at M=256',
      'decode with KV cache ≥ 20× faster than without, context 256',
      'decode int4 ≥ 0.5× llama.cpp Q4_0 (1 thread each)',
      'decode f32 ≥ 0.5× llama.cpp F32 (1 thread each)',
      'prefill ≥ 0.5× llama.cpp (1 thread each)',
      'decode int4 ≥ 1.5× our own f32',
      'LoRA step (f32 and int4 base) ≥ 0.6× PyTorch + OpenBLAS f32 (1 thread each)',
    ]);
    expect(unmeasured.every((c) => c.pass === null)).toBe(true);
  });
  it('checks the PyTorch training ratio of every model shape and base on wasm', () => {
    const checks = evaluateTargets({
      backend: 'wasm',
      figures: [fig('peers/train/small/int4/ratio', 0.7, '×'), fig('peers/train/smollm2-135m/f32/ratio', 0.2, '×')],
    }).filter((c) => c.figureKey.startsWith('peers/train'));
    expect(checks.map((c) => [c.figureKey, c.pass])).toEqual([
      ['peers/train/small/int4/ratio', true],
      ['peers/train/smollm2-135m/f32/ratio', false],
    ]);
  });
  it("checks the threads speedup of every base's batch-1 step on wasm", () => {
    const checks = evaluateTargets({
      backend: 'wasm',
      figures: [fig('train/f32/b1/threads-speedup', 1.7, '×'), fig('train/int4/b1/threads-speedup', 1.2, '×')],
    }).filter((c) => c.figureKey.endsWith('threads-speedup'));
    expect(checks.map((c) => [c.figureKey, c.pass])).toEqual([
      ['train/f32/b1/threads-speedup', true],
      ['train/int4/b1/threads-speedup', false],
    ]);
  });
  it('a WebGPU-only target measured on wasm is informational (pass null)', () => {
    const check = evaluateTargets({ backend: 'wasm', figures }).find((c) => c.figureKey.startsWith('kernels/int4'));
    expect(check?.pass).toBeNull();
    expect(check?.note).toMatch(/informational/);
  });
});

describe('table', () => {
  it('formats bytes, ratios, percentages and units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GiB');
    expect(formatValue(0.1234, '×')).toBe('0.123×');
    expect(formatValue(41.26, '%')).toBe('41.3%');
    expect(formatValue(29812.4, 'tok/s')).toBe('29,812 tok/s');
  });
  it('escapes pipes in markdown cells', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']])).toBe('| a | b |\n| --- | --- |\n| x\\|y | 1 |');
  });
  it('renders a result with its device, suite tables, targets and skipped parts', () => {
    const result: BenchResult = {
      schema: 1,
      date: '2026-01-01T00:00:00.000Z',
      backend: 'wasm',
      model: 'tiny',
      quick: true,
      device: {
        label: 'wasm SIMD, 1 thread',
        userAgent: 'x',
        hardwareConcurrency: 2,
        crossOriginIsolated: true,
        host: 'browser-worker',
      },
      figures: [fig('peak/matmul-f32/1024', 30, 'GFLOP/s', true, 28, 31)],
      skipped: [{ suite: 'data', what: 'whole suite', reason: 'parser not available' }],
      durationMs: 1234,
    };
    const text = renderResult(result, evaluateTargets(result));
    expect(text).toContain('Device: wasm SIMD, 1 thread');
    expect(text).toContain('### 1. Backend peak');
    expect(text).toContain('| peak/matmul-f32/1024 | 30 GFLOP/s | 28 GFLOP/s – 31 GFLOP/s | 3 |');
    const withTarget = renderResult(
      { ...result, figures: [fig('generate/int4/ctx256/cache-speedup', 25, '×')] },
      evaluateTargets({ backend: 'wasm', figures: [fig('generate/int4/ctx256/cache-speedup', 25, '×')] }),
    );
    expect(withTarget).toContain('| 25× | 25× – 25× | 3 | target ≥ 20×: PASS |');
    expect(text).toContain('- data: whole suite — parser not available');
    expect(text).toContain('not measured');
  });
});

describe('kernel matrix', () => {
  it('pivots vs-f32 ratios into shape × M rows and mode × direction columns', () => {
    const text = renderKernelMatrix([
      fig('kernels/int4/576x576/M1/forward/vs-f32', 3.5, '×'),
      fig('kernels/int4/576x576/M1/input-grad/vs-f32', 0.5, '×'),
      fig('kernels/nf4/576x576/M16/forward/vs-f32', 1.25, '×'),
      fig('kernels/int4/576x576/M1/forward', 12, 'GFLOP/s'),
    ]);
    expect(text.split('\n')).toEqual([
      '| in×out, rows | int4 fwd | int4 dx | nf4 fwd |',
      '| --- | --- | --- | --- |',
      '| 576x576 M=1 | 3.5× | 0.5× |  |',
      '| 576x576 M=16 |  |  | 1.25× |',
    ]);
    expect(renderKernelMatrix([fig('peak/x', 1)])).toBe('');
  });
});

describe('args', () => {
  it('defaults and flags', () => {
    expect(parseBenchArgs([])).toMatchObject({
      kind: 'run',
      backend: 'wasm',
      model: 'small',
      quick: false,
      node: false,
    });
    expect(
      parseBenchArgs(['--backend', 'webgpu', '--model', 'tiny', '--quick', '--suites', 'peak,kernels']),
    ).toMatchObject({
      backend: 'webgpu',
      model: 'tiny',
      quick: true,
      suites: ['peak', 'kernels'],
    });
    expect(parseBenchArgs(['--compare', 'a.json', 'b.json'])).toEqual({ kind: 'compare', a: 'a.json', b: 'b.json' });
    expect(parseBenchArgs(['--show', 'a.json'])).toEqual({ kind: 'show', file: 'a.json' });
  });
  it('rejects bad values with a message naming the flag', () => {
    expect(() => parseBenchArgs(['--backend', 'cuda'])).toThrow(/--backend cuda: expected one of webgpu, wasm, cpu/);
    expect(() => parseBenchArgs(['--compare', 'a.json'])).toThrow(/two result files/);
    expect(() => parseBenchArgs(['--node', '--backend', 'webgpu'])).toThrow(/cpu or wasm only/);
    expect(() => parseBenchArgs(['--frobnicate'])).toThrow(/unknown option/);
    expect(() => parseBenchArgs(['--threads', '0'])).toThrow(/--threads needs a whole number/);
    expect(() => parseBenchArgs(['--node', '--threads', '2'])).toThrow(/wasm in Chromium only/);
  });
  it('peers suites run in Node and are not in the default set; --threads is kept for Chromium', () => {
    expect(parseBenchArgs([])).toMatchObject({ threads: null });
    const run = parseBenchArgs([]);
    expect(run.kind === 'run' && run.suites.some((s) => s.startsWith('peers'))).toBe(false);
    expect(parseBenchArgs(['--suites', 'peers-train'])).toMatchObject({ node: true, suites: ['peers-train'] });
    expect(parseBenchArgs(['--suites', 'peers-threads'])).toMatchObject({ node: true, suites: ['peers-threads'] });
    expect(parseBenchArgs(['--suites', 'train', '--threads', '1'])).toMatchObject({ node: false, threads: 1 });
  });
});
