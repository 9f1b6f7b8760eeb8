import { useEffect } from 'react';
import { AdapterMixer } from '../components/generate/AdapterMixer';
import { OutputPane } from '../components/generate/OutputPane';
import { PromptEditor } from '../components/generate/PromptEditor';
import { SamplingPanel } from '../components/generate/SamplingPanel';
import { useStudio } from '../store';
import { refreshAdapters } from '../store/adapters-actions';
import { SectionFrame } from './SectionFrame';

/** The Generate section: streaming playground, base vs adapters side by side, adapter mix with weights. */
export function GenerateSection() {
  const compare = useStudio((s) => s.generate.compare);
  const single = useStudio((s) => (s.generate.mix.length > 0 ? 'adapters' : 'base'));
  useEffect(() => {
    void refreshAdapters();
  }, []);
  return (
    <SectionFrame id="generate">
      <div className="generate-layout">
        <div className="col">
          <PromptEditor />
          <div className={compare ? 'outputs compare' : 'outputs'}>
            {compare ? (
              <>
                <OutputPane id="base" />
                <OutputPane id="adapters" />
              </>
            ) : (
              <OutputPane id={single} />
            )}
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
