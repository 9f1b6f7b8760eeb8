import { useStudio } from '../../store';
import { cancelPrepare, prepareData, refreshPreviews } from '../../store/data-actions';
import { ProgressBar } from '../ProgressBar';
import { PromptFormatField } from './PromptFormatField';
import { Segmented, type SegmentedOption } from '../Segmented';
import type { ProblemPolicy } from '../../../src/data/types';
import { bindNumber } from '../bind-number';
import { NumberField } from '../train/NumberField';

const POLICIES: SegmentedOption<ProblemPolicy>[] = [
  { value: 'fail', label: 'Stop and list them' },
  { value: 'skip', label: 'Skip bad rows' },
];

/** Preparation options (what to do with bad rows, length, eval split) and the Prepare button with progress. */
export function PrepareForm() {
  const data = useStudio((s) => s.data);
  const modelReady = useStudio((s) => s.model.info !== null);
  const setOptions = useStudio((s) => s.setDataOptions);
  const patchData = useStudio((s) => s.patchData);
  const { options } = data;
  return (
    <fieldset className="card">
      <legend>Prepare</legend>
      <div className="form-grid">
        <label htmlFor="data-name">Dataset name</label>
        <input id="data-name" value={data.name} onChange={(e) => patchData({ name: e.target.value })} />
        <span id="bad-rows-label">Bad records</span>
        <Segmented
          name="bad-rows"
          labelledBy="bad-rows-label"
          options={POLICIES}
          value={options.policy}
          onChange={(policy) => setOptions({ policy })}
        />
        <NumberField
          id="data-max-len"
          label="Max tokens per example"
          min={16}
          max={32768}
          step={16}
          integer
          {...bindNumber(options, 'maxSeqLen', setOptions)}
        />
        <NumberField
          id="data-eval"
          label="Held out for evaluation"
          min={0}
          max={0.5}
          step={0.05}
          {...bindNumber(options, 'evalSplit', setOptions)}
        />
        <PromptFormatField />
        <label className="inline span-2" htmlFor="data-completion-only">
          <input
            id="data-completion-only"
            type="checkbox"
            checked={options.completionOnly}
            onChange={(e) => {
              setOptions({ completionOnly: e.target.checked });
              void refreshPreviews();
            }}
          />
          Loss on answers only <span className="muted small">(prompts and earlier turns are context)</span>
        </label>
      </div>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={!modelReady || data.files.length === 0 || data.preparing !== null || data.sampling}
          onClick={() => void prepareData()}
        >
          Prepare dataset
        </button>
        {!modelReady ? (
          <span className="muted">Load a base model first: data is tokenized with its tokenizer.</span>
        ) : null}
      </div>
      {data.preparing ? (
        <ProgressBar progress={data.preparing} label="Dataset preparation" onCancel={cancelPrepare} />
      ) : null}
    </fieldset>
  );
}
