import { useStudio } from '../../store';
import { clearChat, runGeneration, stopGeneration } from '../../store/generate-actions';
import { selectLiveRun } from '../../store/selectors';
import { PromptModePicker } from './PromptModePicker';

/** The prompt (text or template mode) or the conversation and next message (chat mode), with Generate and Stop. */
export function PromptEditor() {
  const g = useStudio((s) => s.generate);
  const hasChat = useStudio((s) => s.model.info?.hasChatTemplate ?? false);
  const modelReady = useStudio((s) => s.model.info !== null);
  const patch = useStudio((s) => s.patchGenerate);
  const running = Object.values(g.panes).some((p) => p.running);
  // Something to put beside the base: an adapter in the mix, or the run being trained (when chosen).
  const tuned = useStudio((s) => s.generate.mix.length > 0 || (s.generate.useTraining && selectLiveRun(s) !== null));
  const chat = g.mode === 'chat' && hasChat;
  return (
    <fieldset className="card">
      <legend>Prompt</legend>
      <PromptModePicker />
      {chat ? (
        <>
          <label htmlFor="gen-system" className="block">
            System prompt
          </label>
          <input
            id="gen-system"
            className="wide"
            value={g.system}
            onChange={(e) => patch({ system: e.target.value })}
            placeholder="(optional)"
          />
          <ol className="chat-log" aria-label="Conversation">
            {g.messages.map((m, i) => (
              <li key={i} className={`chat-${m.role}`}>
                <strong>{m.role}</strong>
                <span className="gen-text">{m.content}</span>
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <label htmlFor="gen-prompt" className="visually-hidden">
        {chat ? 'Your message' : 'Prompt'}
      </label>
      <textarea
        id="gen-prompt"
        rows={chat ? 3 : 5}
        value={g.prompt}
        placeholder={chat ? 'Your message…' : g.mode === 'template' ? 'Your prompt…' : 'Text to continue…'}
        onChange={(e) => patch({ prompt: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !running) void runGeneration();
        }}
      />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={!modelReady || running}
          onClick={() => void runGeneration()}
        >
          {chat ? 'Send' : 'Generate'}
        </button>
        <button type="button" disabled={!running} onClick={stopGeneration}>
          Stop
        </button>
        {chat && g.messages.length > 0 ? (
          <button type="button" onClick={clearChat}>
            New conversation
          </button>
        ) : null}
        <label className="inline">
          <input type="checkbox" checked={g.compare} onChange={(e) => patch({ compare: e.target.checked })} />
          Base and adapters side by side
        </label>
        {g.compare && !tuned ? (
          <span className="muted small" data-testid="gen-compare-note">
            Tick an adapter in the mix to compare; the base runs alone.
          </span>
        ) : null}
        {!modelReady ? <span className="muted">Load a model in the Model section first.</span> : null}
      </div>
    </fieldset>
  );
}
