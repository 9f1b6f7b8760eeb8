import { useStudio } from '../store';
import { selectSection } from '../store/selectors';
import { focusOpenSection } from '../section-focus';

/** First stop of the Tab order, shown when focused: jumps past the header to the open section's heading. */
export function SkipLink() {
  const section = useStudio(selectSection);
  return (
    <a
      className="skip-link"
      href={`#${section}`}
      onClick={(e) => {
        // The hash already names the section; following it would only scroll. Focus moves instead.
        e.preventDefault();
        focusOpenSection();
      }}
    >
      Skip to the section
    </a>
  );
}
