import { useEffect } from 'react';
import { AdapterMixer } from '../components/generate/AdapterMixer';
import { OutputPane } from '../components/generate/OutputPane';
import { PromptEditor } from '../components/generate/PromptEditor';
import { SamplingPanel } from '../components/generate/SamplingPanel';
import { TrainingNote } from '../components/generate/TrainingNote';
import { useStudio } from '../store';
import { refreshAdapters } from '../store/adapters-actions';
import { panesOf, selectPaneSet } from '../store/selectors';
import { SectionFrame } from './SectionFrame';

/**
 * The Generate section: streaming playground, base vs adapters side by side, adapter mix with weights; during a
 * training run, generation between its steps, with the adapter being trained if the user wants.
 */
export function GenerateSection() {
  const panes = panesOf(useStudio(selectPaneSet));
  useEffect(() => {
    void refreshAdapters();
  }, []);
  return (
    <SectionFrame id="generate">
      <div className="generate-layout">
        <div className="col">
          <TrainingNote />
          <PromptEditor />
          <div className={panes.length > 1 ? 'outputs compare' : 'outputs'}>
            {panes.map((id) => (
              <OutputPane key={id} id={id} />
            ))}
          </div>
        </div>
        <div className="col">
          <AdapterMixer />
          <SamplingPanel />
        </div>
      </div>
    </SectionFrame>
  );
}
