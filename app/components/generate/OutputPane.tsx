import type { PaneId } from '../../store/generate-slice';
import { useStudio } from '../../store';
import { formatDuration } from '../../format';
import { selectLiveRun } from '../../store/selectors';

const TITLES: Record<PaneId, string> = {
  base: 'Base model',
  adapters: 'With adapters',
  training: 'With the adapter in training',
};
const FINISH: Record<string, string> = {
  eos: 'ended',
  stop: 'stop string',
  length: 'length limit',
  aborted: 'stopped',
};

/** One streamed output, rendered as plain text (never HTML), with timing once done. */
export function OutputPane({ id }: { id: PaneId }) {
  const pane = useStudio((s) => s.generate.panes[id]);
  const names = useStudio((s) =>
    s.generate.mix.map((m) => `${s.adapters.list.find((a) => a.id === m.id)?.name ?? m.id} × ${m.weight}`).join(', '),
  );
  const live = useStudio(selectLiveRun);
  // Asked for during a run and nothing streamed yet: it waits for the run's current step to end (a paused run
  // lets it through at once).
  const waiting = pane.running && pane.text === '' && live !== null && live.status !== 'paused';
  const detail =
    id === 'adapters'
      ? names || 'no adapter selected: same as base'
      : id === 'training' && live
        ? `${live.name}, live`
        : 'no adapter';
  const r = pane.result;
  const tokPerSec = r && r.decodeMs > 0 ? (r.newTokens / r.decodeMs) * 1000 : null;
  return (
    <section
      className="card output-pane"
      aria-labelledby={`out-${id}-title`}
      data-testid={`output-${id}`}
      aria-busy={pane.running}
    >
      <h3 id={`out-${id}-title`}>{TITLES[id]}</h3>
      {/* One line in every pane (cut with an ellipsis, whole in the tooltip), so side-by-side outputs line up. */}
      <p className="muted small pane-detail" title={detail}>
        {detail}
      </p>
      {waiting ? (
        <p className="muted small" role="status" data-testid={`output-${id}-waiting`}>
          Queued behind training: starts{' '}
          {live.status === 'sampling' ? "after the run's samples" : `when step ${live.step + 1} ends`}… (Stop cancels
          it)
        </p>
      ) : null}
      <div className="gen-text output-text" data-testid={`output-${id}-text`} aria-live="polite">
        {pane.text}
        {pane.running ? <span className="caret" aria-hidden="true" /> : null}
      </div>
      {pane.error ? (
        <p className="engine-error" role="alert">
          {pane.error}
        </p>
      ) : null}
      {r ? (
        <p className="muted small" data-testid={`output-${id}-stats`}>
          {r.newTokens} tokens · {FINISH[r.finishReason] ?? r.finishReason} · prompt {r.promptTokens} tokens in{' '}
          {formatDuration(r.prefillMs)}
          {tokPerSec !== null ? ` · ${tokPerSec.toFixed(1)} tokens/s` : ''} · seed {r.seed}
        </p>
      ) : null}
    </section>
  );
}
