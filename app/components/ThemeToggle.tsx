import { useStudio } from '../store';
import { selectTheme } from '../store/selectors';
import type { ThemePreference } from '../store/settings-slice';

const NEXT: Record<ThemePreference, ThemePreference> = { system: 'light', light: 'dark', dark: 'system' };
const ICON: Record<ThemePreference, string> = { system: '◐', light: '☀', dark: '☾' };

/** Cycles system → light → dark; the choice persists. */
export function ThemeToggle() {
  const theme = useStudio(selectTheme);
  const setTheme = useStudio((s) => s.setTheme);
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={`Theme: ${theme}. Switch to ${NEXT[theme]}`}
      title={`Theme: ${theme}`}
      onClick={() => setTheme(NEXT[theme])}
    >
      <span aria-hidden="true">{ICON[theme]}</span>
    </button>
  );
}
