import type { ReactNode } from 'react';

/**
 * A folding group of settings (LoRA, Training, Method, Sample generations): a `<details>` card whose summary shows
 * the title and the current values. The group's accessible name is its title alone (`aria-labelledby`), so a
 * screen reader announces "LoRA, group" rather than nothing or the whole line of values.
 */
export function SettingsGroup(props: {
  id: string;
  title: string;
  /** The current values, shown after the title while folded. */
  summary?: ReactNode;
  open?: boolean;
  children: ReactNode;
}) {
  const titleId = `${props.id}-title`;
  return (
    <details className="card form-group" open={props.open} aria-labelledby={titleId} data-testid={props.id}>
      <summary>
        <span id={titleId}>{props.title}</span>
        {props.summary ? <> {props.summary}</> : null}
      </summary>
      {props.children}
    </details>
  );
}
