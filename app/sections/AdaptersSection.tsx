import { SectionFrame } from './SectionFrame';

/** The Adapters section. */
export function AdaptersSection() {
  return <SectionFrame id="adapters" />;
}
