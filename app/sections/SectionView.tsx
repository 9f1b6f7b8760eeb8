import { useStudio } from '../store';
import { selectSection } from '../store/selectors';
import type { SectionId } from '../store/ui-slice';
import { AdaptersSection } from './AdaptersSection';
import { DataSection } from './DataSection';
import { EvaluateSection } from './EvaluateSection';
import { GenerateSection } from './GenerateSection';
import { ModelSection } from './ModelSection';
import { TrainSection } from './TrainSection';

const VIEWS: Record<SectionId, () => React.JSX.Element> = {
  model: ModelSection,
  data: DataSection,
  train: TrainSection,
  generate: GenerateSection,
  evaluate: EvaluateSection,
  adapters: AdaptersSection,
};

/** Renders the open section. */
export function SectionView() {
  const View = VIEWS[useStudio(selectSection)];
  return <View />;
}
