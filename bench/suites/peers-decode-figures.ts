/**
 * The figures of one pair of `peers-decode` (bench/suites/peers.node.ts): our decode of `mode` against llama.cpp's
 * `peer` on one model, from the interleaved runs' timings — tokens/s of each side, their ratio (median and best ÷
 * best), prefill, greedy agreement, and what our kernels' options buy (JS kernel, x in f32, x as 16-bit integers).
 */
import type { ModelGgufType } from '../../src/export/gguf-model';
import type { QuantMode } from '../../src/model';
import { figure, rate, type SuiteContext } from '../core/context';
import type { Figure } from '../core/types';
import { ratioOf, summarize, type Summary } from '../core/stats';

/** What the runs of one pair measured (ms per run, the last run's ids). */
export interface DecodePairTimings {
  oursIds: number[];
  peerIds: number[];
  oursMs: number[];
  peerMs: number[];
  oursPrefillMs: number[];
  peerPrefillMs: number[];
  /** int4/int8 with the JS kernel instead of our wasm SIMD one. */
  jsMs: number[];
  /** int4/int8 with x kept in f32 (quantizeX 'never'). */
  exactMs: number[];
  /** int4 with x as 16-bit integers where the relaxed build would take 8. */
  x16Ms: number[];
  /** Whether our kernels ran their relaxed-SIMD build. */
  relaxed: boolean;
  promptTokens: number;
}

/**
 * Fastest run ÷ fastest run of two rates: on a loaded shared machine the least disturbed run of each side is the
 * steadiest estimate of what it can do (the medians moved 2–5× between runs minutes apart at load 12–15).
 */
export function bestRatio(key: string, label: string, ours: Summary, peer: Summary): Figure {
  return figure('peers', key, label, '×', summarize([ours.max / peer.max]), true, 'max rate ÷ max rate');
}

function agreement(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let same = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
  return same / n;
}

/** Reports the pair's figures. */
export function reportDecodePair(
  ctx: SuiteContext,
  spec: { label: string; key: string },
  mode: QuantMode,
  peer: ModelGgufType,
  t: DecodePairTimings,
): void {
  const { key } = spec;
  const steps = t.oursIds.length - 1; // the first token comes from the prompt pass on both sides
  const oursRate = rate(t.oursMs, steps);
  const peerRate = rate(t.peerMs, steps);
  // Prefill: the prompt's tokens ÷ the time to its first token, both sides (llama.cpp in one batch of 256).
  const prefillNote = `${spec.label}, ${t.promptTokens}-token prompt, 1 thread each`;
  const oursPrefill = rate(t.oursPrefillMs, t.promptTokens);
  const peerPrefill = rate(t.peerPrefillMs, t.promptTokens);
  ctx.report(
    figure(
      'peers',
      `${key}/${mode}/prefill-ours`,
      `prefill ours ${mode}, ${spec.label}`,
      'tok/s',
      oursPrefill,
      true,
      prefillNote,
    ),
  );
  ctx.report(
    figure(
      'peers',
      `${key}/${mode}/prefill-llama.cpp`,
      `prefill llama.cpp ${peer}, ${spec.label}`,
      'tok/s',
      peerPrefill,
      true,
      prefillNote,
    ),
  );
  ctx.report(
    figure(
      'peers',
      `${key}/${mode}/prefill-ratio`,
      `prefill ours ${mode} / llama.cpp ${peer}, ${spec.label}`,
      '×',
      ratioOf(oursPrefill, peerPrefill),
      true,
    ),
  );
  const note = `${spec.label}, ${steps} decode steps after a ${t.promptTokens}-token prompt, 1 thread each`;
  // One kernel option timed beside the default path: its rate, then the default path's rate over it.
  const variant = (ms: number[], id: string, label: string, ratioId: string, ratioLabel: string) => {
    if (!ms.length) return;
    const r = rate(ms, steps);
    ctx.report(figure('peers', `${key}/${mode}/${id}`, `${label}, ${spec.label}`, 'tok/s', r, true, note));
    ctx.report(
      figure('peers', `${key}/${mode}/${ratioId}`, `${ratioLabel}, ${spec.label}`, '×', ratioOf(oursRate, r), true),
    );
  };
  variant(
    t.jsMs,
    'ours-js-kernel',
    `decode ours ${mode}, JS kernel`,
    'simd-vs-js',
    `decode ${mode}: wasm SIMD kernel / JS kernel`,
  );
  const xBits = mode === 'int4' && t.relaxed ? 8 : 16;
  variant(
    t.exactMs,
    'ours-f32-x',
    `decode ours ${mode}, x in f32`,
    'q16-vs-f32-x',
    `decode ${mode}: x as ${xBits}-bit integers / x in f32`,
  );
  variant(
    t.x16Ms,
    'ours-x16',
    `decode ours ${mode}, x as 16-bit`,
    'x8-vs-x16',
    `decode ${mode}: x as 8-bit (relaxed SIMD) / 16-bit integers`,
  );
  ctx.report(
    figure('peers', `${key}/${mode}/ours`, `decode ours ${mode}, ${spec.label}`, 'tok/s', oursRate, true, note),
  );
  ctx.report(
    figure(
      'peers',
      `${key}/${mode}/llama.cpp`,
      `decode llama.cpp ${peer}, ${spec.label}`,
      'tok/s',
      peerRate,
      true,
      note,
    ),
  );
  ctx.report(
    figure(
      'peers',
      `${key}/${mode}/ratio`,
      `decode ours ${mode} / llama.cpp ${peer}, ${spec.label}`,
      '×',
      ratioOf(oursRate, peerRate),
      true,
    ),
  );
  ctx.report(
    bestRatio(`${key}/${mode}/ratio-best`, `decode ${mode}: best run ÷ best run, ${spec.label}`, oursRate, peerRate),
  );
  ctx.report(
    figure(
      'peers',
      `${key}/${mode}/agreement`,
      `greedy agreement ${mode} vs ${peer}, ${spec.label}`,
      '%',
      summarize([100 * agreement(t.oursIds, t.peerIds)]),
      true,
    ),
  );
}
