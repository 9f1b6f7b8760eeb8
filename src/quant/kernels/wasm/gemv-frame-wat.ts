/**
 * The loop frame every packed GEMV kernel shares (gemv-wat.ts, gemv-q16-wat.ts): for each output row o, walk its
 * groups; per group clear the accumulators, run 16-byte steps over the group's codes, then fold the group into
 * the row's f32x4 sum with its scale; store the row's horizontal sum in y[o]. Kernels differ only in their
 * locals, how a group starts, the step, and the group's fold.
 *
 * Parameters (all byte offsets into linear memory, or counts): w, s (scales), x (laid out by the kernel's
 * prepare), y, out, rowBytes, groups, groupBytes, xs (a per-group float the kernel reads at $cp).
 */
export interface GemvFrame {
  /** Exported name. */
  name: string;
  /** Extra `(local …)` declarations for the step and fold. */
  locals: string;
  /** Instructions at the start of each group (clear accumulators). */
  groupStart: string;
  /** One 16-byte step: reads codes at $wp and x at $xp, advances $xp ($wp advances in the frame). */
  step: string;
  /** The f32x4 value to set $row to at the end of a group ($sp: the group's scale, $cp: its xs float). */
  fold: string;
}

export function gemvFrame(f: GemvFrame): string {
  return `
  (func (export "${f.name}")
    (param $w i32) (param $s i32) (param $x i32) (param $y i32)
    (param $out i32) (param $rowBytes i32) (param $groups i32) (param $groupBytes i32) (param $xs i32)
    (local $cp i32) (local $o i32) (local $g i32) (local $wp i32) (local $wend i32) (local $xp i32) (local $sp i32)
    (local $row v128) ${f.locals}
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $o) (local.get $out)))
        (local.set $wp (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $rowBytes))))
        (local.set $sp (i32.add (local.get $s) (i32.shl (i32.mul (local.get $o) (local.get $groups)) (i32.const 2))))
        (local.set $xp (local.get $x))
        (local.set $cp (local.get $xs))
        (local.set $row (v128.const i32x4 0 0 0 0))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $group
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $groups)))
            ${f.groupStart}
            (local.set $wend (i32.add (local.get $wp) (local.get $groupBytes)))
            (loop $steps
          ${f.step}
              (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
              (br_if $steps (i32.lt_u (local.get $wp) (local.get $wend))))
            (local.set $row ${f.fold})
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 4)))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $group)))
        (f32.store
          (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $row)) (f32x4.extract_lane 1 (local.get $row)))
            (f32.add (f32x4.extract_lane 2 (local.get $row)) (f32x4.extract_lane 3 (local.get $row)))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $rows))))`;
}
