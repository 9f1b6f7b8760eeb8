import { useEffect } from 'react';
import { DataDropZone } from '../components/data/DataDropZone';
import { DatasetLibrary } from '../components/data/DatasetLibrary';
import { DatasetStats } from '../components/data/DatasetStats';
import { PrepareForm } from '../components/data/PrepareForm';
import { ProblemList } from '../components/data/ProblemList';
import { ShapeMapping } from '../components/data/ShapeMapping';
import { TokenPreview } from '../components/data/TokenPreview';
import { ErrorNote } from '../components/ErrorNote';
import { useStudio } from '../store';
import { loadSampleIndex, refreshDatasets, refreshPreviews } from '../store/data-actions';
import { SectionFrame } from './SectionFrame';

/** The Data section: drop or pick data, check its shape, preview tokens, prepare and store it. */
export function DataSection() {
  const sampleError = useStudio((s) => s.data.sampleError);
  const prepareError = useStudio((s) => s.data.prepareError);
  const sampling = useStudio((s) => s.data.sampling);
  const modelId = useStudio((s) => s.model.info?.id ?? null);
  const patchData = useStudio((s) => s.patchData);
  useEffect(() => {
    void loadSampleIndex();
    void refreshDatasets();
  }, []);
  useEffect(() => {
    void refreshPreviews();
  }, [modelId]);
  return (
    <SectionFrame id="data">
      <div className="two-col">
        <div className="col">
          <DataDropZone />
          {sampling ? (
            <p className="muted" role="status">
              Reading the file…
            </p>
          ) : null}
          <ErrorNote
            message={sampleError}
            onDismiss={() => patchData({ sampleError: null })}
            testId="data-sample-error"
          />
          <ShapeMapping />
          <PrepareForm />
          <ErrorNote message={prepareError} onDismiss={() => patchData({ prepareError: null })} testId="data-error" />
        </div>
        <div className="col">
          <ProblemList />
          <DatasetStats />
          <TokenPreview />
          <DatasetLibrary />
        </div>
      </div>
    </SectionFrame>
  );
}
