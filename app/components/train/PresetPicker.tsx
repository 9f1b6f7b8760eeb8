import { useStudio } from '../../store';
import { applyPreset, PRESETS, type PresetId } from '../../../src/spec/presets';

/** Quick / balanced / thorough: one click sets every field (which stay editable). */
export function PresetPicker() {
  const preset = useStudio((s) => s.train.form.preset);
  const setForm = useStudio((s) => s.setTrainForm);
  const parameters = useStudio((s) => s.model.info?.facts.parameters ?? null);
  const ids = Object.keys(PRESETS) as PresetId[];
  return (
    <div className="preset-picker">
      <div className="segmented" role="radiogroup" aria-label="Preset">
        {ids.map((id) => (
          <label key={id} className={preset === id ? 'selected' : undefined}>
            <input
              type="radio"
              name="train-preset"
              checked={preset === id}
              onChange={() => setForm((f) => applyPreset(f, id, parameters))}
            />
            {PRESETS[id].label}
          </label>
        ))}
      </div>
      <p className="hint" data-testid="preset-description">
        {preset === 'custom' ? 'Custom settings (edited after choosing a preset).' : PRESETS[preset].description}
      </p>
    </div>
  );
}
