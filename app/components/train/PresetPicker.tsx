import { useStudio } from '../../store';
import { applyPreset, PRESETS, type PresetId } from '../../../src/spec/presets';
import { Segmented } from '../Segmented';

/** Quick / balanced / thorough: one click sets every field (which stay editable). */
export function PresetPicker() {
  const preset = useStudio((s) => s.train.form.preset);
  const setForm = useStudio((s) => s.setTrainForm);
  const parameters = useStudio((s) => s.model.info?.facts.parameters ?? null);
  const ids = Object.keys(PRESETS) as PresetId[];
  return (
    <div className="preset-picker">
      <Segmented
        name="train-preset"
        ariaLabel="Preset"
        options={ids.map((id) => ({ value: id, label: PRESETS[id].label }))}
        value={preset}
        onChange={(id) => {
          if (id !== 'custom') setForm((f) => applyPreset(f, id, parameters));
        }}
      />
      <p className="hint" data-testid="preset-description">
        {preset === 'custom' ? 'Custom settings (edited after choosing a preset).' : PRESETS[preset].description}
      </p>
    </div>
  );
}
