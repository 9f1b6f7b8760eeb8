/**
 * Which sums the int4 × 8-bit-x kernels run on this engine: i16x8 dots added and widened at each group's fold
 * (`r4l`, `r<R>`), or i32x4 dot-adds (`r4ld`, `r<R>d`: gemv-q8-lanes-wat.ts, gemv-q8-wat.ts). The 4-row lane-fold
 * pair decides for all. Engines differ in both answers, so it is decided by
 * running the two, once per process, on a private memory:
 * - right: Chromium 156 computes `i32x4.relaxed_dot_i8x16_i7x16_add_s` exactly in both its tiers; Node 20's V8
 *   (11.3) returns twice the dot until the function is optimized (its baseline tier, measured). The two kernels compute the same exact integers, so `r4ld` must give `r4l`'s y bit for bit;
 * - fast: on an x86 with AVX-VNNI Chromium runs the dot-add as one instruction (measured here: as fast per
 *   instruction as the i16 dot, and the fold loses its widening), and a 50-token SmolLM2-135M int4 prefill went
 *   from 232–278 to 343–352 tok/s on one thread; Node 20 runs it at half the i16 dot's rate.
 * `r4ld` is used only where it is right and at least 5% faster.
 */
import type { GroupSize } from '../../packed';
import { gemvKernels, type GemvKernels } from './gemv-wasm';
import { Q8_GROUP_HEADER_BYTES } from './gemv-q8-wat';
import { Q8_LANE_ROWS, Q8_LANE_TABLE_BYTES } from './gemv-q8-lanes-wat';

const G: GroupSize = 64;
const GROUPS = 8; // in = 512
const OUT = 256;
const ROW_BYTES = (G * GROUPS) / 2;
const X_STRIDE = GROUPS * (Q8_GROUP_HEADER_BYTES + G);
/** Byte offsets in the private memory: W, scales, x's 4 rows, the fold table, y of each kernel. */
const AT = { w: 0, s: 65536, x: 73728, table: 81920, yL: 86016, yD: 90112 };

type LaneKernel = (...args: number[]) => void;

/** The probe's outcome, kept for the bench and the tests. */
export interface DotAddProbe {
  /** `r4ld` gave `r4l`'s y bit for bit. */
  exact: boolean;
  /** Best ms of a block of calls, each kernel. */
  lanesMs: number;
  dotAddMs: number;
  chosen: boolean;
}

let decided: DotAddProbe | null = null;

/** Whether the 8-bit kernels run their dot-add forms here (probed on first use; false without the relaxed build). */
export function useQ8DotAdd(): boolean {
  decided ??= probeQ8DotAdd();
  return decided.chosen;
}

/**
 * Runs both kernels on the same synthetic problem on a fresh memory (`bind`: the kernels on that memory, by default
 * the relaxed build) and decides. Never touches tfjs's heap.
 */
export function probeQ8DotAdd(
  bind: (memory: WebAssembly.Memory) => Partial<GemvKernels> | null = (m) => gemvKernels(m, 'relaxed'),
): DotAddProbe {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const k = bind(memory);
  const lanes = k?.[`gemv_int4_q8_g${G}_r4l`] as LaneKernel | undefined;
  const dotAdd = k?.[`gemv_int4_q8_g${G}_r4ld`] as LaneKernel | undefined;
  if (!lanes || !dotAdd) return { exact: false, lanesMs: NaN, dotAddMs: NaN, chosen: false };
  fillProblem(memory);
  const call = (f: LaneKernel, y: number) =>
    f(AT.w, AT.s, AT.x, y, OUT, ROW_BYTES, GROUPS, G / 2, AT.table, X_STRIDE, 0, OUT * 4);
  const y = (at: number) => new Int32Array(memory.buffer, at, Q8_LANE_ROWS * OUT);
  const same = () => y(AT.yL).every((v, i) => v === y(AT.yD)[i]);
  call(lanes, AT.yL);
  call(dotAdd, AT.yD);
  const first = same();
  const time = (f: LaneKernel, at: number) => {
    const t0 = performance.now();
    for (let i = 0; i < 16; i++) call(f, at);
    return performance.now() - t0;
  };
  let [lanesMs, dotAddMs] = [Infinity, Infinity];
  for (let round = 0; round < 12 && first; round++) {
    lanesMs = Math.min(lanesMs, time(lanes, AT.yL));
    dotAddMs = Math.min(dotAddMs, time(dotAdd, AT.yD));
  }
  // Checked again once both have run hot: Node 20's baseline tier doubles the dot-add where its optimizing tier
  // does not, so one tier's answer says nothing of the other's.
  const exact = first && same();
  return { exact, lanesMs, dotAddMs, chosen: exact && dotAddMs < 0.95 * lanesMs };
}

/** W's codes, unit scales, x's codes (headers skipped by the kernel), the fold table: fixed pseudo-random values. */
function fillProblem(memory: WebAssembly.Memory): void {
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < OUT * ROW_BYTES; i++) bytes[AT.w + i] = next() >>> 24;
  new Float32Array(memory.buffer, AT.s, OUT * GROUPS).fill(1);
  const x = new Int8Array(memory.buffer, AT.x, Q8_LANE_ROWS * X_STRIDE);
  for (let i = 0; i < x.length; i++) x[i] = ((next() >>> 24) % 255) - 127;
  for (let g = 0; g < GROUPS; g++) {
    const at = AT.table + g * Q8_LANE_TABLE_BYTES;
    new Float32Array(memory.buffer, at, Q8_LANE_ROWS).fill(0.01 * (g + 1));
    new Int32Array(memory.buffer, at + 16, Q8_LANE_ROWS).set([0, 1, 2, 3].map(() => (next() % 2001) - 1000));
  }
}
