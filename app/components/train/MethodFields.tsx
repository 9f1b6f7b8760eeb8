import { DEFAULT_BETA, type PreferenceLoss, type TrainMethod } from '../../../src/spec/method';
import { useStudio } from '../../store';
import { NumberField } from './NumberField';
import { useFormEdit } from './use-form-edit';
import { SettingsGroup } from './SettingsGroup';

const METHODS: { id: TrainMethod; label: string }[] = [
  { id: 'sft', label: 'SFT: learn the answers' },
  { id: 'dpo', label: 'DPO: prefer chosen over rejected' },
  { id: 'orpo', label: 'ORPO: SFT + odds ratio, no reference' },
];

/**
 * How the adapter learns (issue 19): the method (SFT, or DPO/ORPO on preference pairs, with β and the DPO loss) and
 * the adapter variant (DoRA, LoRA+). DPO's reference is the same base with the adapter off, so it needs no more
 * model memory.
 */
export function MethodFields() {
  const train = useStudio((s) => s.train.form.train);
  const useDora = useStudio((s) => s.train.form.lora.useDora === true);
  const edit = useFormEdit();
  const method = train.method ?? 'sft';
  const ratio = train.loraPlusRatio ?? 1;
  return (
    <SettingsGroup
      id="group-method"
      title="Method"
      open={method !== 'sft' || useDora || ratio !== 1}
      summary={
        <span className="muted small" data-testid="method-summary">
          {method.toUpperCase()}
          {useDora ? ' · DoRA' : ''}
          {ratio !== 1 ? ` · LoRA+ ×${ratio}` : ''}
        </span>
      }
    >
      <div className="form-grid">
        <label htmlFor="train-method">Method</label>
        <select
          id="train-method"
          value={method}
          onChange={(e) => edit.train({ method: METHODS.find((m) => m.id === e.target.value)?.id ?? 'sft' })}
        >
          {METHODS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
        {method !== 'sft' ? (
          <NumberField
            id="train-beta"
            label={method === 'dpo' ? 'β (DPO)' : 'λ (ORPO)'}
            value={train.beta ?? DEFAULT_BETA}
            min={0.001}
            max={10}
            step={0.05}
            onChange={(beta) => edit.train({ beta })}
            hint={method === 'dpo' ? 'higher stays closer to the base' : 'weight of the odds-ratio term'}
          />
        ) : null}
        {method === 'dpo' ? (
          <>
            <label htmlFor="train-pref-loss">DPO loss</label>
            <select
              id="train-pref-loss"
              value={train.preferenceLoss ?? 'sigmoid'}
              onChange={(e) => edit.train({ preferenceLoss: e.target.value as PreferenceLoss })}
            >
              <option value="sigmoid">sigmoid (DPO paper)</option>
              <option value="ipo">IPO</option>
            </select>
          </>
        ) : null}
        <label htmlFor="lora-dora">DoRA (magnitude + direction)</label>
        <input
          id="lora-dora"
          type="checkbox"
          checked={useDora}
          onChange={(e) => edit.lora({ useDora: e.target.checked })}
        />
        <NumberField
          id="train-lora-plus"
          label="LoRA+ ratio (B lr ÷ A lr)"
          value={ratio}
          min={1}
          max={64}
          step={1}
          onChange={(loraPlusRatio) => edit.train({ loraPlusRatio })}
          hint={ratio === 1 ? 'off' : `B learns at ${ratio}× the learning rate`}
        />
      </div>
    </SettingsGroup>
  );
}
