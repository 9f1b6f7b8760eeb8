import type { ReactNode } from 'react';

/** One choice of a {@link Segmented} control. */
export interface SegmentedOption<T extends string> {
  value: T;
  label: ReactNode;
  /** Tooltip (why a choice is disabled, or what it does). */
  title?: string;
  disabled?: boolean;
}

/** Props of {@link Segmented}: name it with `ariaLabel`, or with `labelledBy` (the id of a visible label). */
export interface SegmentedProps<T extends string> {
  /** The radio inputs' shared `name`. */
  name: string;
  ariaLabel?: string;
  labelledBy?: string;
  options: readonly SegmentedOption<T>[];
  value: T;
  onChange: (value: T) => void;
}

/** A row of radio buttons styled as one segmented control; the chosen segment carries `selected`. */
export function Segmented<T extends string>({
  name,
  ariaLabel,
  labelledBy,
  options,
  value,
  onChange,
}: SegmentedProps<T>) {
  return (
    <div className="segmented" role="radiogroup" aria-label={ariaLabel} aria-labelledby={labelledBy}>
      {options.map((o) => (
        <label key={o.value} className={value === o.value ? 'selected' : undefined} title={o.title}>
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={value === o.value}
            disabled={o.disabled}
            onChange={() => onChange(o.value)}
          />
          {o.label}
        </label>
      ))}
    </div>
  );
}
