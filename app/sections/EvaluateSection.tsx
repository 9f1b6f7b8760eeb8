import { useEffect } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { EvalSetup } from '../components/evaluate/EvalSetup';
import { EvalTable } from '../components/evaluate/EvalTable';
import { LossBars } from '../components/evaluate/LossBars';
import { PredictGridView } from '../components/evaluate/PredictGridView';
import { VariantPicker } from '../components/evaluate/VariantPicker';
import { WorstExamples } from '../components/evaluate/WorstExamples';
import '../components/evaluate/evaluate.css';
import { useStudio } from '../store';
import { refreshAdapters } from '../store/adapters-actions';
import { refreshDatasets } from '../store/data-actions';
import { SectionFrame } from './SectionFrame';

/**
 * The Evaluate section: the base, adapters and weighted mixes scored on a prepared dataset's held-out examples
 * (loss over the loss-carrying tokens as training counts them, 95% interval), the hardest examples as a token
 * heat map, and a Predict grid of their answers beside the references.
 */
export function EvaluateSection() {
  const error = useStudio((s) => s.evaluate.error);
  const patch = useStudio((s) => s.patchEvaluate);
  const hasResult = useStudio((s) => s.evaluate.result !== null || s.evaluate.running);
  useEffect(() => {
    void refreshAdapters();
    void refreshDatasets();
  }, []);
  return (
    <SectionFrame id="evaluate">
      <div className="evaluate-layout">
        <div className="col">
          <EvalSetup />
          <VariantPicker />
        </div>
        <div className="col">
          <ErrorNote message={error} onDismiss={() => patch({ error: null })} testId="eval-error" />
          {!hasResult && !error ? (
            <p className="card muted" data-testid="eval-empty">
              Results appear here: the loss and perplexity of each variant with a 95% interval, the hardest examples,
              and each variant&apos;s answers beside the references.
            </p>
          ) : null}
          <EvalTable />
          <LossBars />
          <PredictGridView />
          <WorstExamples />
        </div>
      </div>
    </SectionFrame>
  );
}
