import { useEffect, useState } from 'react';

/** Props of {@link NumberField}. */
export interface NumberFieldProps {
  id: string;
  label: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  step?: number | 'any';
  /** Integers only (rank, steps, batch…). */
  integer?: boolean;
  hint?: string;
  /** What is wrong with the value the form holds (src/spec's message); shown instead of the hint. */
  error?: string;
}

/**
 * A labelled number input for the form grid. It keeps the typed text while it is not a valid number yet ("1e-",
 * "0.") and reports only numbers (and, when `min`/`max`/`integer` are given, only those in range), so a half-typed
 * learning rate never reaches the engine. Settings src/spec checks pass its message as `error` instead of a range.
 */
export function NumberField({
  id,
  label,
  value,
  onChange,
  min,
  max,
  step = 'any',
  integer = false,
  hint,
  error,
}: NumberFieldProps) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    if (Number(text) !== value) setText(String(value));
    // Only an outside change (a preset) rewrites the text; typing keeps what the user wrote.
  }, [value]);
  const valid = (v: number) =>
    Number.isFinite(v) &&
    (!integer || Number.isInteger(v)) &&
    (min === undefined || v >= min) &&
    (max === undefined || v <= max);
  const invalid = text.trim() === '' || !valid(Number(text)) || error !== undefined;
  const note = error ?? hint;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <span className="field-with-hint">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          value={text}
          aria-invalid={invalid || undefined}
          aria-describedby={note ? `${id}-hint` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            const v = Number(e.target.value);
            if (e.target.value.trim() !== '' && valid(v)) onChange(v);
          }}
        />
        {note ? (
          <span id={`${id}-hint`} className={error ? 'error small' : 'muted small'}>
            {note}
          </span>
        ) : null}
      </span>
    </>
  );
}
