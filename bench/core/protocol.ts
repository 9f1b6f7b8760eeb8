/**
 * Messages between the bench page, its worker and the Node runner (the page forwards worker messages to the
 * runner unchanged through `window.__benchEvent`).
 */
import type { BenchOptions, BenchResult, DeviceInfo, Figure, Skipped } from './types';

export type BenchRequest =
  | { kind: 'start'; opts: BenchOptions }
  /** The page's answer to a `heapRequest`: bytes of JS memory of the page and its workers, or null. */
  | { kind: 'heapReply'; id: number; bytes: number | null };

export type BenchEvent =
  | { kind: 'log'; message: string }
  /** The backend started; lets the runner save a partial result if the run dies later. */
  | { kind: 'device'; device: DeviceInfo }
  | { kind: 'figure'; figure: Figure }
  | { kind: 'skipped'; skipped: Skipped }
  | { kind: 'done'; result: BenchResult }
  /** The worker asks the page to measure memory (measureUserAgentSpecificMemory exists on the page only). */
  | { kind: 'heapRequest'; id: number }
  | { kind: 'error'; message: string; stack?: string };

/** Name of the function the runner exposes on the page. */
export const BENCH_EVENT_HOOK = '__benchEvent';
