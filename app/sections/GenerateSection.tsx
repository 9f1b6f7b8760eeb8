import { SectionFrame } from './SectionFrame';

/** The Generate section. */
export function GenerateSection() {
  return <SectionFrame id="generate" />;
}
