import { useStudio } from '../store';
import { selectSection } from '../store/selectors';
import { SECTIONS } from '../store/ui-slice';
import { SECTION_INFO } from '../sections/section-info';
import { focusOpenSection, requestSectionFocus } from '../section-focus';

/** The section tabs. */
export function SectionNav() {
  const current = useStudio(selectSection);
  const setSection = useStudio((s) => s.setSection);
  return (
    <nav className="section-nav" aria-label="Studio sections">
      {SECTIONS.map((id) => (
        <a
          key={id}
          href={`#${id}`}
          className="section-link"
          aria-current={id === current ? 'page' : undefined}
          onClick={() => {
            requestSectionFocus();
            setSection(id);
            // The same section again renders nothing new: focus it here.
            if (id === current) focusOpenSection();
          }}
        >
          {SECTION_INFO[id].title}
        </a>
      ))}
    </nav>
  );
}
