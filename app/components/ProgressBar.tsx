import type { JobProgress } from '../store/job-progress';
import { formatBytes, formatDuration, formatRate } from '../format';

/** Human names of engine stages. */
const STAGE_NAMES: Record<string, string> = {
  download: 'Downloading',
  parse: 'Reading config and tokenizer',
  quantize: 'Quantizing and uploading weights',
  upload: 'Uploading to the device',
  read: 'Reading the file',
  tokenize: 'Tokenizing',
  store: 'Saving to browser storage',
};

function amount(p: JobProgress): string {
  const fmt = (n: number) => (p.unit === 'bytes' ? formatBytes(n) : n.toLocaleString('en-US'));
  const of = p.total !== null ? ` of ${fmt(p.total)}` : '';
  const unit = p.unit === 'bytes' ? '' : ` ${p.unit}`;
  return `${fmt(p.done)}${of}${unit}`;
}

function speed(p: JobProgress): string | null {
  if (!p.rate || p.rate <= 0) return null;
  const rate = p.unit === 'bytes' ? formatRate(p.rate) : `${p.rate.toFixed(0)} ${p.unit}/s`;
  const eta =
    p.total !== null && p.total > p.done ? ` · ${formatDuration(((p.total - p.done) / p.rate) * 1000)} left` : '';
  return rate + eta;
}

/** A labelled progress bar for one job: stage, amount, speed and ETA; optional cancel. */
export function ProgressBar({
  progress,
  label,
  onCancel,
}: {
  progress: JobProgress;
  label: string;
  onCancel?: () => void;
}) {
  const fraction = progress.total ? Math.min(1, progress.done / progress.total) : null;
  const stage = STAGE_NAMES[progress.stage] ?? progress.stage;
  const rate = speed(progress);
  return (
    <div className="progress" data-testid="progress" data-stage={progress.stage}>
      <div className="progress-line">
        <strong>{stage}</strong>
        <span>{amount(progress)}</span>
        {rate ? <span className="muted">{rate}</span> : null}
        {progress.detail ? <span className="muted">{progress.detail}</span> : null}
        {onCancel ? (
          <button type="button" className="progress-cancel" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <progress aria-label={`${label}: ${stage}`} max={1} value={fraction ?? undefined} />
    </div>
  );
}
