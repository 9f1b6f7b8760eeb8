/**
 * The loop frame every packed GEMV kernel shares (gemv-wat.ts, gemv-q16-wat.ts): for each output column o (a row
 * of W), walk its groups; per group clear the accumulators, run 16-byte steps over the group's codes, then fold the
 * group into each x row's f32x4 sum with its scale; store each sum's lanes, added, in y. Kernels differ only in
 * their locals, how a group starts, the step, and the fold. A frame of R rows decodes each weight once for R rows
 * of x (a multi-row GEMV, the small GEMM of prefill and batched decode).
 *
 * Parameters (byte offsets into linear memory, or counts): w, s (W's scales), x (laid out by the kernel's
 * prepare), y, out, rowBytes, groups, groupBytes, xs (per-group floats the fold reads at $cp); for R > 1 also
 * xStride, xsStride and yStride, the bytes between consecutive rows of x, xs and y (one-row kernels ignore them).
 */
export interface GemvFrame {
  /** Exported name. */
  name: string;
  /** Rows of x per call (1 to 4). */
  rows: number;
  /** Extra `(local …)` declarations for the step and fold. */
  locals: string;
  /** Instructions at the start of each group (clear accumulators). */
  groupStart: string;
  /** One 16-byte step: codes at $wp, x row r at `xAt(r)`; advances $xp ($wp advances in the frame). */
  step: string;
  /** The f32x4 value to set row r's sum to at the end of a group ($sp: the group's scale, `xsAt(r)`: its xs). */
  fold: (r: number) => string;
  /**
   * Steps per group when the kernel is built for one group size: the steps are emitted in a row, with no loop
   * (groupBytes must then be 16 · stepsPerGroup). Without it the steps loop to groupBytes.
   */
  stepsPerGroup?: number;
}

const rowSums = (rows: number) => Array.from({ length: rows }, (_, r) => r);

/** Address of x row r at the current step ($xp plus r row strides). */
export const xAt = (r: number): string =>
  r === 0 ? '(local.get $xp)' : `(i32.add (local.get $xp) (local.get $xr${r}))`;
/** Address of row r's per-group float. */
export const xsAt = (r: number): string =>
  r === 0 ? '(local.get $cp)' : `(i32.add (local.get $cp) (local.get $cr${r}))`;

export function gemvFrame(f: GemvFrame): string {
  const rows = rowSums(f.rows);
  const strides = rows.slice(1);
  return `
  (func (export "${f.name}")
    ${gemvParams('$xs')}
    (local $cp i32) (local $o i32) (local $g i32) (local $wp i32) (local $wend i32) (local $xp i32) (local $sp i32)
    ${rows.map((r) => `(local $row${r} v128)`).join(' ')} ${strides.map((r) => `(local $xr${r} i32) (local $cr${r} i32) (local $yr${r} i32)`).join(' ')}
    ${f.locals}
    ${strides
      .map(
        (r) => `(local.set $xr${r} (i32.mul (local.get $xStride) (i32.const ${r})))
    (local.set $cr${r} (i32.mul (local.get $xsStride) (i32.const ${r})))
    (local.set $yr${r} (i32.mul (local.get $yStride) (i32.const ${r})))`,
      )
      .join('\n    ')}
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $o) (local.get $out)))
        ${columnStart('$xs')}
        ${rows.map((r) => `(local.set $row${r} (v128.const i32x4 0 0 0 0))`).join('\n        ')}
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $group
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $groups)))
            ${f.groupStart}
            ${f.stepsPerGroup ? unrolledSteps(f.step, f.stepsPerGroup, f.rows > 1) : loopedSteps(f.step)}
            ${rows.map((r) => `(local.set $row${r} ${f.fold(r)})`).join('\n            ')}
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 4)))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $group)))
        ${rows.map((r) => storeRow(r)).join('\n        ')}
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $rows))))`;
}

/** Every GEMV kernel's parameters (see `gemvFrame`), the per-group argument named `perGroup`. */
export function gemvParams(perGroup: string): string {
  return `(param $w i32) (param $s i32) (param $x i32) (param $y i32)
    (param $out i32) (param $rowBytes i32) (param $groups i32) (param $groupBytes i32) (param ${perGroup} i32)
    (param $xStride i32) (param $xsStride i32) (param $yStride i32)`;
}

/**
 * The start of output column $o: $wp and $sp at its row of W and of the scales, $xp at x, $cp at `perGroup` (the
 * per-group floats or table the fold reads).
 */
export function columnStart(perGroup: string): string {
  return `(local.set $wp (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $rowBytes))))
        (local.set $sp (i32.add (local.get $s) (i32.shl (i32.mul (local.get $o) (local.get $groups)) (i32.const 2))))
        (local.set $xp (local.get $x))
        (local.set $cp (local.get ${perGroup}))`;
}

/** A group's steps as a loop over groupBytes. */
function loopedSteps(step: string): string {
  return `(local.set $wend (i32.add (local.get $wp) (local.get $groupBytes)))
            (loop $steps
          ${step}
              (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
              (br_if $steps (i32.lt_u (local.get $wp) (local.get $wend))))`;
}

/**
 * `body` behind a branch that is always taken ($out > 0 inside the column loop) but that V8 cannot see through,
 * for a group's steps after its first. Without it a group's steps are one block, and TurboFan issues all of the
 * group's loads of x first before any arithmetic, holding them in registers: in the 4-row lane kernel
 * (gemv-q8-lanes-wat.ts, 16 loads at group size 64) 5 spilled to the stack and came back, and the group's f32 sum
 * with them, ~130 instructions a group; behind the branch each step's loads sit beside its dots (~100, no spills).
 */
export function afterBranch(body: string): string {
  return `(if (local.get $out) (then
            ${body}))`;
}

/**
 * A group's `count` steps in a row; with several rows of x (`split`) each after the first `afterBranch`. Measured
 * (interleaved, Node 20, AMD EPYC, SmolLM2's [1536, 576]): the 4-row lane kernel 1.07–1.14×, the 4-row 16-bit
 * kernels 1.46× (int8) and 1.19× (int4) faster; one row has no such pressure (0.93–1.0×), so it stays one block.
 */
function unrolledSteps(step: string, count: number, split: boolean): string {
  const advance = `(local.set $wp (i32.add (local.get $wp) (i32.const 16)))`;
  return Array.from({ length: count }, (_, k) =>
    k === 0 || !split ? `${step}\n          ${advance}` : afterBranch(`${step}\n          ${advance}`),
  ).join('\n          ');
}

/** y[r, o] = the lanes of row r's sum, added. */
function storeRow(r: number): string {
  const at = `(i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2)))`;
  const lane = (k: number) => `(f32x4.extract_lane ${k} (local.get $row${r}))`;
  return `(f32.store
          ${r === 0 ? at : `(i32.add ${at} (local.get $yr${r}))`}
          (f32.add (f32.add ${lane(0)} ${lane(1)}) (f32.add ${lane(2)} ${lane(3)})))`;
}

/**
 * The start of one group in the SIMD layouts of x (`prepare_x8`, `prepare_x16_*`): $end past the group's floats at
 * $x, $m their largest |x| (NaN-propagating, as the JS layouts), the group's scale m / qMax stored at $xs, and
 * $toQ = qMax / m (0 for an all-zero or NaN group) splatted. Needs locals $end, $xp (i32), $max, $toQ (v128), $m (f32).
 */
export function groupScaleWat(qMax: number): string {
  const lane = (k: number) => `(f32x4.extract_lane ${k} (local.get $max))`;
  return `(local.set $end (i32.add (local.get $x) (i32.shl (local.get $groupSize) (i32.const 2))))
      (local.set $max (v128.const i32x4 0 0 0 0))
      (local.set $xp (local.get $x))
      (block $m_done (loop $m_each
        (br_if $m_done (i32.ge_u (local.get $xp) (local.get $end)))
        (local.set $max (f32x4.max (local.get $max) (f32x4.abs (v128.load (local.get $xp)))))
        (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
        (br $m_each)))
      (local.set $m (f32.max (f32.max ${lane(0)} ${lane(1)}) (f32.max ${lane(2)} ${lane(3)})))
      (f32.store (local.get $xs) (f32.div (local.get $m) (f32.const ${qMax})))
      (local.set $toQ (f32x4.splat (select (f32.div (f32.const ${qMax}) (local.get $m)) (f32.const 0)
        (f32.gt (local.get $m) (f32.const 0)))))`;
}
