import type { SamplingControls } from '../../../src/protocol/generate-types';
import { useStudio } from '../../store';
import { DEFAULT_SAMPLING } from '../../store/generate-slice';
import { bindNumber } from '../bind-number';
import { NumberField } from '../train/NumberField';

const FIELDS: { name: keyof SamplingControls; label: string; min: number; max: number; step: number; hint: string }[] =
  [
    { name: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.05, hint: '0 = always the likeliest token' },
    { name: 'topK', label: 'Top-k', min: 0, max: 200, step: 1, hint: '0 = off' },
    { name: 'topP', label: 'Top-p', min: 0.05, max: 1, step: 0.01, hint: '1 = off' },
    { name: 'minP', label: 'Min-p', min: 0, max: 0.5, step: 0.01, hint: '0 = off' },
    { name: 'repetitionPenalty', label: 'Repetition penalty', min: 1, max: 2, step: 0.01, hint: '1 = off' },
  ];

/** Sampling controls: sliders with their value, plus length, seed and stop strings. */
export function SamplingPanel() {
  const g = useStudio((s) => s.generate);
  const setSampling = useStudio((s) => s.setSampling);
  const patch = useStudio((s) => s.patchGenerate);
  return (
    <fieldset className="card">
      <legend>Sampling</legend>
      <div className="form-grid">
        {FIELDS.map((f) => (
          <SliderRow
            key={f.name}
            label={f.label}
            min={f.min}
            max={f.max}
            step={f.step}
            hint={f.hint}
            value={g.sampling[f.name]}
            onChange={(v) => setSampling({ [f.name]: v })}
          />
        ))}
        <NumberField
          id="gen-max"
          label="Max new tokens"
          min={1}
          max={2048}
          integer
          {...bindNumber(g, 'maxNewTokens', patch)}
        />
        <label htmlFor="gen-seed">Seed</label>
        <span className="row">
          <input
            id="gen-seed"
            type="number"
            value={g.seed}
            onChange={(e) => patch({ seed: Math.trunc(Number(e.target.value) || 0) })}
          />
          <button type="button" onClick={() => patch({ seed: Math.floor(Math.random() * 1e9) })}>
            New seed
          </button>
        </span>
        <label htmlFor="gen-stop">Stop strings</label>
        <textarea
          id="gen-stop"
          rows={2}
          placeholder="one per line (\n for a newline)"
          value={g.stop}
          onChange={(e) => patch({ stop: e.target.value })}
        />
      </div>
      <button type="button" className="link-button" onClick={() => setSampling(DEFAULT_SAMPLING)}>
        Reset sampling
      </button>
    </fieldset>
  );
}

function SliderRow(props: {
  label: string;
  min: number;
  max: number;
  step: number;
  hint: string;
  value: number;
  onChange: (v: number) => void;
}) {
  const id = `gen-${props.label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <span className="row" title={props.hint}>
        <input
          id={id}
          type="range"
          min={props.min}
          max={props.max}
          step={props.step}
          value={props.value}
          onChange={(e) => props.onChange(Number(e.target.value))}
        />
        <output htmlFor={id}>{props.value}</output>
      </span>
    </>
  );
}
