import { useStudio } from '../../store';
import { isLive } from '../../store/train-slice';
import { LoraFields } from './LoraFields';
import { MethodFields } from './MethodFields';
import { OptimFields } from './OptimFields';
import { PresetPicker } from './PresetPicker';
import { SampleFields } from './SampleFields';
import { useFormEdit } from './use-form-edit';

/** Every setting of a run: preset, name, dataset, LoRA, training, samples. Locked while a run is in progress. */
export function TrainForm() {
  const name = useStudio((s) => s.train.form.name);
  const live = useStudio((s) => isLive(s.train.run));
  const datasets = useStudio((s) => s.data.datasets);
  const datasetId = useStudio((s) => s.data.selectedDatasetId);
  const patchData = useStudio((s) => s.patchData);
  const edit = useFormEdit();
  return (
    <fieldset className="train-form" disabled={live}>
      <legend className="visually-hidden">Training settings</legend>
      <div className="card">
        <PresetPicker />
        <div className="form-grid">
          <label htmlFor="train-dataset">Dataset</label>
          <select
            id="train-dataset"
            value={datasetId ?? ''}
            onChange={(e) => patchData({ selectedDatasetId: e.target.value || null })}
          >
            {datasets.length === 0 ? <option value="">No prepared dataset yet (Data section)</option> : null}
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} · {d.exampleCount.toLocaleString('en-US')} examples
              </option>
            ))}
          </select>
          <label htmlFor="train-name">Adapter name</label>
          <input
            id="train-name"
            placeholder="named after the dataset"
            value={name}
            onChange={(e) => edit.name(e.target.value)}
          />
        </div>
      </div>
      <MethodFields />
      <LoraFields />
      <OptimFields />
      <SampleFields />
    </fieldset>
  );
}
