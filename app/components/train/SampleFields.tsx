import { describePromptFormat } from '../../../src/data/prompt-format';
import { useStudio } from '../../store';
import { selectSampleFormat } from '../../store/selectors';
import { NumberField } from './NumberField';
import { useFormEdit, useNumberBinding } from './use-form-edit';
import { SettingsGroup } from './SettingsGroup';

/**
 * Prompts are separated by blank lines, so one prompt may span lines (a log entry, then "Record:"). Trailing
 * whitespace is kept while typing; the engine drops empty prompts.
 */
export function splitPrompts(text: string): string[] {
  return text.split(/\n[ \t]*\n/);
}

/** Prompts generated from every N steps while training, so the timeline shows the adapter learn. */
export function SampleFields() {
  const samples = useStudio((s) => s.train.form.samples);
  const format = useStudio(selectSampleFormat);
  const edit = useFormEdit();
  const bind = useNumberBinding();
  return (
    <SettingsGroup id="group-samples" title="Sample generations" open>
      <div className="form-grid">
        <label htmlFor="sample-prompts">Prompts (a blank line between two)</label>
        <textarea
          id="sample-prompts"
          rows={4}
          value={samples.prompts.join('\n\n')}
          onChange={(e) => edit.samples({ prompts: splitPrompts(e.target.value) })}
        />
        <NumberField
          id="sample-every"
          label="Sample every (steps)"
          integer
          min={0}
          hint="0 = only at the end"
          {...bind.samples('every')}
        />
        <NumberField
          id="sample-tokens"
          label="Sample length (tokens)"
          integer
          min={1}
          max={256}
          {...bind.samples('maxNewTokens')}
        />
        <NumberField
          id="sample-temperature"
          label="Sample temperature"
          min={0}
          max={2}
          step={0.1}
          hint="0 = greedy"
          {...bind.samples('temperature')}
        />
      </div>
      {format ? (
        <p className="hint" data-testid="sample-format">
          Prompts are rendered with {describePromptFormat(format)}, as the dataset was.
        </p>
      ) : null}
    </SettingsGroup>
  );
}
