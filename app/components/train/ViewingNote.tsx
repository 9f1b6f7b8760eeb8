import { useStudio } from '../../store';
import { runSettingsText } from '../../store/run-report';

/** Above the charts when they show a stored run: whose curve it is, its own settings, and for an interrupted run what resumes it. */
export function ViewingNote() {
  const viewing = useStudio((s) => s.train.viewing);
  if (!viewing) return null;
  return (
    <div className="muted" data-testid="train-viewing">
      <p>
        {viewing.interrupted ? (
          <>
            <strong>{viewing.name}</strong> was interrupted: its curve up to the last checkpoint. &ldquo;Resume
            run&rdquo; continues it.
          </>
        ) : (
          <>
            Showing the stored history of <strong>{viewing.name}</strong>.
          </>
        )}
      </p>
      {viewing.spec ? (
        <p className="small" data-testid="train-viewing-settings">
          Trained with: {runSettingsText(viewing.spec)}
        </p>
      ) : null}
    </div>
  );
}
