/**
 * Messages between the bench page, its worker and the Node runner (the page forwards worker messages to the
 * runner unchanged through `window.__benchEvent`).
 */
import type { BenchOptions, BenchResult, Figure, Skipped } from './types';

export type BenchRequest = { kind: 'start'; opts: BenchOptions };

export type BenchEvent =
  | { kind: 'log'; message: string }
  | { kind: 'figure'; figure: Figure }
  | { kind: 'skipped'; skipped: Skipped }
  | { kind: 'done'; result: BenchResult }
  | { kind: 'error'; message: string; stack?: string };

/** Name of the function the runner exposes on the page. */
export const BENCH_EVENT_HOOK = '__benchEvent';
