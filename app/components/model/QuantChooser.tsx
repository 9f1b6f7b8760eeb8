import type { QuantMode } from '../../../src/spec/modules';
import { useStudio } from '../../store';
import { formatBytes } from '../../format';

const DESCRIPTIONS: Record<QuantMode, string> = {
  f32: 'Full precision: exact, largest.',
  f16: 'Half precision: near-exact, half the size.',
  int8: '8-bit: tiny quality loss.',
  nf4: '4-bit NormalFloat (QLoRA): best quality at 4 bits.',
  int4: '4-bit integer: smallest, a little rougher than NF4.',
};

/** Quantization of the frozen base, each with the memory it needs against what the device has. */
export function QuantChooser() {
  const quant = useStudio((s) => s.model.quant);
  const inspection = useStudio((s) => s.model.inspection);
  const patchModel = useStudio((s) => s.patchModel);
  const device = inspection?.device;
  return (
    <fieldset className="card">
      <legend>Quantization of the base</legend>
      <div className="quant-list">
        {(
          inspection?.estimates ??
          (['f32', 'f16', 'int8', 'nf4', 'int4'] as const).map((mode) => ({ mode, bytes: null, fits: true }))
        ).map((e) => (
          <label
            key={e.mode}
            className={`choice quant-choice${quant === e.mode ? ' selected' : ''}${e.fits ? '' : ' too-big'}`}
          >
            <input
              type="radio"
              name="quant"
              value={e.mode}
              checked={quant === e.mode}
              onChange={() => patchModel({ quant: e.mode, quantChosen: true })}
            />
            <span className="quant-name">{e.mode.toUpperCase()}</span>
            <span className="quant-bytes">{e.bytes !== null ? formatBytes(e.bytes) : '—'}</span>
            <span className="muted">
              {DESCRIPTIONS[e.mode]}
              {inspection?.suggested === e.mode ? ' Suggested.' : ''}
              {e.fits ? '' : ' Too large for this device.'}
            </span>
          </label>
        ))}
      </div>
      {device ? (
        <p className="hint" data-testid="device-budget">
          Device: {device.backend}
          {device.budgetBytes !== null ? ` · about ${formatBytes(device.budgetBytes)} to work with` : ''}
          {device.maxBufferBytes !== null ? ` · largest buffer ${formatBytes(device.maxBufferBytes)}` : ''}.{' '}
          {device.note}
        </p>
      ) : null}
    </fieldset>
  );
}
