import { useEffect, useRef, useState } from 'react';
import { useStudio } from '../store';
import {
  selectBackendLabel,
  selectEngineStatus,
  selectSection,
  selectMemory,
  selectMemoryDetail,
  selectMemoryLabel,
  selectStorageLabel,
} from '../store/selectors';
import { EnginePanel } from './EnginePanel';

/** Bottom bar: backend, tensor memory, browser storage; opens the engine panel (Escape or another section closes it). */
export function StatusBar() {
  const status = useStudio(selectEngineStatus);
  const backend = useStudio(selectBackendLabel);
  const memory = useStudio(selectMemoryLabel);
  const memoryDetail = useStudio(selectMemoryDetail);
  // The raw counters ride along as data attributes: tests check the label against the engine's own figures.
  const report = useStudio(selectMemory);
  const storage = useStudio(selectStorageLabel);
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const section = useStudio(selectSection);
  // The panel floats over the page: it closes on another section (it covered charts and the Merge/Import panels).
  useEffect(() => setOpen(false), [section]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  return (
    <footer className="status-bar">
      {open ? <EnginePanel onClose={() => setOpen(false)} /> : null}
      <button
        ref={toggle}
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
      <span
        className="status-item"
        data-testid="status-memory"
        title={memoryDetail}
        data-num-bytes={report?.numBytes}
        data-num-tensors={report?.numTensors}
        data-gpu-bytes={report?.numBytesInGPU ?? undefined}
        data-gpu-allocated={report?.numBytesAllocatedInGPU ?? undefined}
      >
        Memory: {memory ?? '—'}
      </span>
      <span className="status-item" title="Browser storage used by this site (models, datasets, adapters)">
        Storage: {storage ?? '—'}
      </span>
    </footer>
  );
}
