import { useEffect } from 'react';
import { useStudio } from '../store';
import { selectSection } from '../store/selectors';
import { isSectionId } from '../store/ui-slice';

/** Keeps the open section and `location.hash` in sync, so sections are linkable and Back works. */
export function useHashSection(): void {
  const section = useStudio(selectSection);
  const setSection = useStudio((s) => s.setSection);
  useEffect(() => {
    const fromHash = () => {
      const id = window.location.hash.slice(1);
      if (isSectionId(id)) setSection(id);
    };
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, [setSection]);
  useEffect(() => {
    if (window.location.hash.slice(1) !== section) window.history.replaceState(null, '', `#${section}`);
  }, [section]);
}
