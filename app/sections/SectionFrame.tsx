import { useEffect, useRef, type ReactNode } from 'react';
import { takeSectionFocus } from '../section-focus';
import type { SectionId } from '../store/ui-slice';
import { EngineStatusLine } from '../components/EngineStatusLine';
import { SECTION_INFO } from './section-info';

/** Common frame of a section: heading, purpose, engine status, then the section's own content. */
export function SectionFrame({ id, children }: { id: SectionId; children?: ReactNode }) {
  const info = SECTION_INFO[id];
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => takeSectionFocus(heading.current), [id]);
  return (
    <section className="section" aria-labelledby={`${id}-heading`} data-section={id}>
      <header className="section-header">
        <h2 id={`${id}-heading`} ref={heading} tabIndex={-1}>
          {info.title}
        </h2>
        <p className="section-purpose">{info.purpose}</p>
      </header>
      <EngineStatusLine />
      {children}
    </section>
  );
}
