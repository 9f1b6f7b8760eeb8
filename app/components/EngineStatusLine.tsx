import { useStudio } from '../store';
import { selectBackend, selectEngineError, selectEngineStatus } from '../store/selectors';
import { restartEngine } from '../store/engine-actions';

const STATUS_TEXT = {
  starting: 'Starting the engine…',
  initializing: 'Choosing a compute backend…',
  ready: 'Engine ready',
  crashed: 'The engine stopped',
  error: 'The engine could not start',
} as const;

/** One line: engine status, the backend and why, or the error with a way out. */
export function EngineStatusLine() {
  const status = useStudio(selectEngineStatus);
  const backend = useStudio(selectBackend);
  const error = useStudio(selectEngineError);
  return (
    <div className={`engine-line engine-${status}`} role="status" aria-live="polite" data-testid="engine-status">
      <span className="dot" aria-hidden="true" />
      <span>
        {STATUS_TEXT[status]}
        {status === 'ready' && backend ? (
          <>
            {' '}
            on <strong data-testid="engine-backend">{backend.backend}</strong> — {backend.reason}
          </>
        ) : null}
      </span>
      {error ? <span className="engine-error">{error}</span> : null}
      {status === 'crashed' || status === 'error' ? (
        <button type="button" onClick={() => void restartEngine()}>
          Restart engine
        </button>
      ) : null}
    </div>
  );
}
