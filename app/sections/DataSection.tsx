import { SectionFrame } from './SectionFrame';

/** The Data section. */
export function DataSection() {
  return <SectionFrame id="data" />;
}
