import { useEffect } from 'react';
import { AdapterImport } from '../components/adapters/AdapterImport';
import { AdapterRow } from '../components/adapters/AdapterRow';
import { ExportPanel } from '../components/adapters/ExportPanel';
import { MergePanel } from '../components/adapters/MergePanel';
import { ErrorNote } from '../components/ErrorNote';
import { useStudio } from '../store';
import { refreshAdapters } from '../store/adapters-actions';
import { SectionFrame } from './SectionFrame';

/** The Adapters section: the library in IndexedDB, export for other tools with their commands, import, merge, download. */
export function AdaptersSection() {
  const { list, loaded, busy, error, notice } = useStudio((s) => s.adapters);
  const patch = useStudio((s) => s.patchAdapters);
  useEffect(() => {
    void refreshAdapters();
  }, []);
  return (
    <SectionFrame id="adapters">
      <section className="card library" aria-labelledby="library-heading">
        <h3 id="library-heading">Library</h3>
        {busy ? (
          <p role="status" className="muted">
            {busy}
          </p>
        ) : null}
        {notice ? (
          <p role="status" className="ok-note" data-testid="adapters-notice">
            {notice}
          </p>
        ) : null}
        <ErrorNote message={error} onDismiss={() => patch({ error: null })} testId="adapters-error" />
        {loaded && list.length === 0 ? (
          <p className="muted">No adapters yet. Train one in the Train section, or import one below.</p>
        ) : null}
        {list.length > 0 ? (
          <div className="table-scroll">
            <table className="table" data-testid="adapter-library">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                  <th scope="col">Name</th>
                  <th scope="col">LoRA</th>
                  <th scope="col">Final loss (train / eval)</th>
                  <th scope="col">Size</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.map((a) => (
                  <AdapterRow key={a.id} adapter={a} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <ExportPanel />
      <div className="two-col">
        <MergePanel />
        <AdapterImport />
      </div>
    </SectionFrame>
  );
}
