/**
 * Moves keyboard focus to the open section's heading after a navigation the user asked for (a section link, the
 * skip link, "Use in Generate"), so the next Tab continues inside the section instead of on the navigation bar.
 * Opening the studio, a reload or Back do not steal focus: only a request made just before the section renders.
 */
let requested = false;

/** Asks the next rendered section to take focus. */
export function requestSectionFocus(): void {
  requested = true;
}

/** Focuses the open section's heading now (the skip link: the section is already rendered). */
export function focusOpenSection(): void {
  document.querySelector<HTMLElement>('.section h2')?.focus();
}

/** Called by a section when it renders: focuses `heading` if a focus was requested, once. */
export function takeSectionFocus(heading: HTMLElement | null): void {
  if (!requested || !heading) return;
  requested = false;
  heading.focus();
}
