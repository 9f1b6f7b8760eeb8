/**
 * What is wrong with a setting, in words a user can act on. The engine joins them into one error; the Train form
 * shows each beside its field as the user types, so both say the same thing.
 */

/** One problem with one setting. `field` is its path in the run spec (`train.lr`, `lora.rank`, `datasetId`). */
export interface SpecProblem {
  field: string;
  message: string;
}

/** The problems as one sentence list, for an error message. */
export function problemsMessage(problems: readonly SpecProblem[]): string {
  return problems.map((p) => p.message).join(' ');
}

/** Collects problems; each check adds one when its condition fails. */
export class ProblemList {
  readonly problems: SpecProblem[] = [];

  /** Adds `message` for `field` unless `ok`. */
  check(ok: boolean, field: string, message: string): void {
    if (!ok) this.problems.push({ field, message });
  }

  /** A whole number ≥ `min` (default 1), and a safe one: 1e30 passes `Number.isInteger` but breaks every loop. */
  integer(v: unknown, field: string, label: string, min = 1): void {
    this.check(
      typeof v === 'number' && Number.isSafeInteger(v) && v >= min,
      field,
      `${label} must be a whole number ≥ ${min} (got ${show(v)}).`,
    );
  }
}

/** A value as the user typed it, for messages. */
export function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}
