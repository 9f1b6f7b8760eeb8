import { useState } from 'react';
import { useStudio } from '../store';
import { selectBackendLabel, selectEngineStatus, selectMemoryLabel, selectStorageLabel } from '../store/selectors';
import { EnginePanel } from './EnginePanel';

/** Bottom bar: backend, tensor memory, browser storage; opens the engine panel. */
export function StatusBar() {
  const status = useStudio(selectEngineStatus);
  const backend = useStudio(selectBackendLabel);
  const memory = useStudio(selectMemoryLabel);
  const storage = useStudio(selectStorageLabel);
  const [open, setOpen] = useState(false);
  return (
    <footer className="status-bar">
      {open ? <EnginePanel onClose={() => setOpen(false)} /> : null}
      <button
        type="button"
        className={`status-item status-engine engine-${status}`}
        aria-expanded={open}
        aria-controls="engine-panel"
        aria-label={`Engine: ${backend}. Show engine details`}
        onClick={() => setOpen(!open)}
      >
        <span className="dot" aria-hidden="true" />
        <span data-testid="status-backend">{backend}</span>
      </button>
      <span className="status-item" title="Tensor memory held by the engine">
        Memory: {memory ?? '—'}
      </span>
      <span className="status-item" title="Browser storage used by this site (models, datasets, adapters)">
        Storage: {storage ?? '—'}
      </span>
    </footer>
  );
}
