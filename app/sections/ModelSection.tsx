import { ErrorNote } from '../components/ErrorNote';
import { ModelFactsCard } from '../components/model/ModelFactsCard';
import { ModelSourcePicker } from '../components/model/ModelSourcePicker';
import { QuantChooser } from '../components/model/QuantChooser';
import { ProgressBar } from '../components/ProgressBar';
import { useStudio } from '../store';
import { cancelModelLoad, loadSelectedModel } from '../store/model-actions';
import { SectionFrame } from './SectionFrame';

/** The Model section: source, quantization with memory, load with staged progress, and the loaded model's facts. */
export function ModelSection() {
  const model = useStudio((s) => s.model);
  const engineReady = useStudio((s) => s.engine.status === 'ready');
  const patchModel = useStudio((s) => s.patchModel);
  return (
    <SectionFrame id="model">
      <div className="two-col">
        <div className="col">
          <ModelSourcePicker />
          <QuantChooser />
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={!engineReady || model.loading !== null}
              onClick={() => void loadSelectedModel()}
            >
              {model.info ? 'Load this model instead' : 'Load model'}
            </button>
            {model.info ? (
              <span className="ok-note" data-testid="model-loaded">
                Ready: {model.info.label} ({model.info.quant.toUpperCase()})
              </span>
            ) : null}
          </div>
          {model.loading ? (
            <ProgressBar progress={model.loading} label="Model loading" onCancel={cancelModelLoad} />
          ) : null}
          <ErrorNote message={model.loadError} onDismiss={() => patchModel({ loadError: null })} testId="model-error" />
          <ErrorNote message={model.inspectError} testId="model-inspect-error" />
        </div>
        <div className="col">
          <ModelFactsCard />
        </div>
      </div>
    </SectionFrame>
  );
}
