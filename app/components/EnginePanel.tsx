import { useStudio } from '../store';
import { selectBackend, selectBackendPreference, selectCheck, selectEngineStatus, selectLog } from '../store/selectors';
import { applyBackendPreference, restartEngine, runBackendCheck } from '../store/engine-actions';
import { BACKEND_PREFERENCES, type BackendPreference } from '../../src/backend/report';
import { formatBytes } from '../format';

const LABELS: Record<BackendPreference, string> = {
  auto: 'Automatic (best available)',
  webgpu: 'WebGPU (GPU)',
  wasm: 'WebAssembly (CPU, SIMD)',
  cpu: 'Plain JavaScript (slowest)',
};

function isPreference(v: string): v is BackendPreference {
  return BACKEND_PREFERENCES.some((p) => p === v);
}

/** Engine details: backend override, adapter and limits, a correctness check, restart, and the log. */
export function EnginePanel({ onClose }: { onClose: () => void }) {
  const status = useStudio(selectEngineStatus);
  const backend = useStudio(selectBackend);
  const preference = useStudio(selectBackendPreference);
  const check = useStudio(selectCheck);
  const log = useStudio(selectLog);
  const busy = status === 'initializing' || status === 'starting';
  return (
    <div className="engine-panel" id="engine-panel" role="dialog" aria-label="Engine details">
      <div className="panel-row">
        <label htmlFor="backend-select">Compute backend</label>
        <select
          id="backend-select"
          value={preference}
          disabled={busy}
          onChange={(e) => isPreference(e.target.value) && void applyBackendPreference(e.target.value)}
        >
          {BACKEND_PREFERENCES.map((p) => (
            <option key={p} value={p}>
              {LABELS[p]}
            </option>
          ))}
        </select>
        <button type="button" className="icon-button" aria-label="Close engine details" onClick={onClose}>
          ×
        </button>
      </div>
      {backend ? (
        <dl className="facts">
          <dt>Backend</dt>
          <dd data-testid="panel-backend">{backend.backend}</dd>
          <dt>Why</dt>
          <dd>{backend.reason}</dd>
          <dt>GPU adapter</dt>
          <dd>
            {backend.adapter
              ? `${backend.adapter.vendor || 'unknown vendor'} ${backend.adapter.architecture} ${backend.adapter.description}${backend.adapter.software ? ' (software)' : ''}`
              : 'none'}
          </dd>
          {backend.adapter ? (
            <>
              <dt>GPU limits</dt>
              <dd>
                buffer {formatBytes(backend.adapter.limits.maxBufferSize)}, storage binding{' '}
                {formatBytes(backend.adapter.limits.maxStorageBufferBindingSize)}, shader-f16{' '}
                {backend.adapter.features.shaderF16 ? 'yes' : 'no'}
              </dd>
            </>
          ) : null}
          <dt>Threads</dt>
          <dd>
            {backend.threads} (cross-origin isolated: {backend.crossOriginIsolated ? 'yes' : 'no'})
          </dd>
        </dl>
      ) : null}
      <div className="panel-row">
        <button type="button" onClick={() => void runBackendCheck()} disabled={status !== 'ready' || check.running}>
          {check.running ? 'Checking…' : 'Check backend'}
        </button>
        <output data-testid="check-result" aria-live="polite">
          {check.result
            ? `${check.result.ok ? 'OK' : 'MISMATCH'}: ${check.result.backend} matmul ${check.result.shape.join('×')}, max |Δ| ${check.result.maxAbsDiff.toExponential(2)} (≤ ${check.result.tolerance.toExponential(1)}), ${check.result.millis.toFixed(1)} ms`
            : (check.error ?? '')}
        </output>
        <button type="button" onClick={() => void restartEngine()}>
          Restart engine
        </button>
      </div>
      <ol className="engine-log" aria-label="Engine log">
        {log.slice(-8).map((l) => (
          <li key={`${l.at}-${l.message}`} className={`log-${l.level}`}>
            {new Date(l.at).toLocaleTimeString()} {l.message}
          </li>
        ))}
      </ol>
    </div>
  );
}
