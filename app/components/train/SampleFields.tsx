import { useStudio } from '../../store';
import { NumberField } from './NumberField';
import { useFormEdit } from './use-form-edit';

/** Prompts generated from every N steps while training, so the timeline shows the adapter learn. */
export function SampleFields() {
  const samples = useStudio((s) => s.train.form.samples);
  const edit = useFormEdit();
  return (
    <fieldset className="card">
      <legend>Sample generations</legend>
      <div className="form-grid">
        <label htmlFor="sample-prompts">Prompts (one per line)</label>
        <textarea
          id="sample-prompts"
          rows={3}
          value={samples.prompts.join('\n')}
          onChange={(e) => edit.samples({ prompts: e.target.value.split('\n') })}
        />
        <NumberField id="sample-every" label="Every (steps)" value={samples.every} integer min={0} onChange={(every) => edit.samples({ every })} hint="0 = only at the end" />
        <NumberField id="sample-tokens" label="New tokens" value={samples.maxNewTokens} integer min={1} max={256} onChange={(maxNewTokens) => edit.samples({ maxNewTokens })} />
        <NumberField id="sample-temperature" label="Temperature" value={samples.temperature} min={0} max={2} step={0.1} onChange={(temperature) => edit.samples({ temperature })} hint="0 = greedy" />
      </div>
    </fieldset>
  );
}
