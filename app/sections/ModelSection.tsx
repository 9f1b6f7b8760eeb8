import { SectionFrame } from './SectionFrame';

/** The Model section. */
export function ModelSection() {
  return <SectionFrame id="model" />;
}
