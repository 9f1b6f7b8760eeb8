import { SectionFrame } from './SectionFrame';

/** The Train section. */
export function TrainSection() {
  return <SectionFrame id="train" />;
}
