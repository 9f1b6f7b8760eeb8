import { loraScale, targetNames } from '../../../src/spec/lora-config';
import { LINEAR_MODULE_NAMES } from '../../../src/spec/modules';
import { useStudio } from '../../store';
import { NumberField } from './NumberField';
import { useFormEdit, useNumberBinding } from './use-form-edit';
import { SettingsGroup } from './SettingsGroup';

/** LoRA settings: rank, alpha, dropout, target modules, rsLoRA, init. */
export function LoraFields() {
  const lora = useStudio((s) => s.train.form.lora);
  const edit = useFormEdit();
  const bind = useNumberBinding();
  const targets = targetNames(lora);
  const toggle = (name: string, on: boolean) => {
    const next = LINEAR_MODULE_NAMES.filter((n) => (n === name ? on : targets.includes(n)));
    edit.lora({ targets: next.length === LINEAR_MODULE_NAMES.length ? 'all-linear' : next });
  };
  const scale = loraScale(lora.rank, lora.alpha, lora.useRslora);
  return (
    <SettingsGroup
      id="group-lora"
      title="LoRA"
      summary={
        <span className="muted small">
          rank {lora.rank}, alpha {lora.alpha},{' '}
          {lora.targets === 'all-linear' ? 'all linear layers' : lora.targets.join(', ')}
        </span>
      }
    >
      <div className="form-grid">
        <NumberField id="lora-rank" label="Rank" max={512} {...bind.lora('rank')} />
        <NumberField
          id="lora-alpha"
          label="Alpha"
          min={0.01}
          hint={`scale ${scale.toFixed(3)}`}
          {...bind.lora('alpha')}
        />
        <NumberField id="lora-dropout" label="Dropout" max={0.9} step={0.05} {...bind.lora('dropout')} />
        <span id="lora-targets-label">Target modules</span>
        <div className="target-list" role="group" aria-labelledby="lora-targets-label">
          {LINEAR_MODULE_NAMES.map((name) => (
            <label key={name} className="choice-inline">
              <input
                type="checkbox"
                checked={targets.includes(name)}
                disabled={targets.length === 1 && targets.includes(name)}
                onChange={(e) => toggle(name, e.target.checked)}
              />
              <span className="mono">{name}</span>
            </label>
          ))}
        </div>
        <label htmlFor="lora-rslora">rsLoRA (scale α/√r)</label>
        <input
          id="lora-rslora"
          type="checkbox"
          checked={lora.useRslora}
          onChange={(e) => edit.lora({ useRslora: e.target.checked })}
        />
        <label htmlFor="lora-init">Initialisation</label>
        <select
          id="lora-init"
          value={lora.init}
          onChange={(e) => edit.lora({ init: e.target.value === 'gaussian' ? 'gaussian' : 'kaiming' })}
        >
          <option value="kaiming">Kaiming-uniform A, zero B (PEFT default)</option>
          <option value="gaussian">Gaussian A, zero B</option>
        </select>
      </div>
    </SettingsGroup>
  );
}
