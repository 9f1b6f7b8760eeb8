/** An error shown where it happened, in the words the engine chose for the user; dismissible when handled. */
export function ErrorNote({
  message,
  onDismiss,
  testId,
}: {
  message: string | null;
  onDismiss?: () => void;
  testId?: string;
}) {
  if (!message) return null;
  return (
    <div className="error-note" role="alert" data-testid={testId}>
      <span>{message}</span>
      {onDismiss ? (
        <button type="button" className="icon-button" aria-label="Dismiss this message" onClick={onDismiss}>
          ×
        </button>
      ) : null}
    </div>
  );
}
