import { useEffect } from 'react';
import { useStudio } from '../store';
import { selectTheme } from '../store/selectors';

/** Applies the theme to <html data-theme>; 'system' follows prefers-color-scheme live. */
export function useTheme(): void {
  const theme = useStudio(selectTheme);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      const resolved = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
      document.documentElement.dataset.theme = resolved;
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}
