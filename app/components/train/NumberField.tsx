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
}

/**
 * A labelled number input for the form grid. It keeps the typed text while it is not a valid number yet ("1e-",
 * "0.") and reports only valid values in range, so a half-typed learning rate never reaches the engine.
 */
export function NumberField({ id, label, value, onChange, min, max, step = 'any', integer = false, hint }: NumberFieldProps) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    if (Number(text) !== value) setText(String(value));
    // Only an outside change (a preset) rewrites the text; typing keeps what the user wrote.
  }, [value]);
  const valid = (v: number) => Number.isFinite(v) && (!integer || Number.isInteger(v)) && (min === undefined || v >= min) && (max === undefined || v <= max);
  const invalid = text.trim() === '' || !valid(Number(text));
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
          aria-describedby={hint ? `${id}-hint` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            const v = Number(e.target.value);
            if (e.target.value.trim() !== '' && valid(v)) onChange(v);
          }}
        />
        {hint ? (
          <span id={`${id}-hint`} className="muted small">
            {hint}
          </span>
        ) : null}
      </span>
    </>
  );
}
