import { useStudio } from '../store';
import { selectSection } from '../store/selectors';
import { SECTIONS } from '../store/ui-slice';
import { SECTION_INFO } from '../sections/section-info';

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
          onClick={() => setSection(id)}
        >
          {SECTION_INFO[id].title}
        </a>
      ))}
    </nav>
  );
}
