import { describePromptFormat } from '../../../src/data/prompt-format';
import { templateError } from '../../../src/data/template';
import { useStudio } from '../../store';
import type { PromptMode } from '../../store/generate-slice';
import { Segmented, type SegmentedOption } from '../Segmented';

const MODES: SegmentedOption<PromptMode>[] = [
  { value: 'text', label: 'Text', title: 'The prompt is continued as it is' },
  { value: 'chat', label: 'Chat', title: "A conversation in the model's chat template" },
  { value: 'template', label: 'Template', title: 'The prompt is filled into a prompt template' },
];

/**
 * How the prompt reaches the model: plain text, the chat template, or a prompt template. Putting an adapter in the
 * mix sets it to the format the adapter's data was rendered in; the note says so, and any choice here overrides it.
 */
export function PromptModePicker() {
  const mode = useStudio((s) => s.generate.mode);
  const template = useStudio((s) => s.generate.template);
  const from = useStudio((s) => s.generate.formatFrom);
  const hasChat = useStudio((s) => s.model.info?.hasChatTemplate ?? false);
  const patch = useStudio((s) => s.patchGenerate);
  const shown: PromptMode = mode === 'chat' && !hasChat ? 'text' : mode;
  const error = shown === 'template' ? templateError(template) : null;
  return (
    <>
      <Segmented
        name="gen-mode"
        ariaLabel="Prompt mode"
        options={MODES.map((m) =>
          m.value === 'chat' && !hasChat ? { ...m, disabled: true, title: 'This model has no chat template' } : m,
        )}
        value={shown}
        onChange={(mode) => patch({ mode, formatFrom: null })}
      />
      {from ? (
        <p className="hint" data-testid="gen-format-note">
          Prompts go through {describePromptFormat(from.format)}, as <strong>{from.adapter}</strong> was trained.
        </p>
      ) : null}
      {shown === 'template' ? (
        <>
          <label htmlFor="gen-template" className="block">
            Prompt template <span className="muted small">({'{prompt}'} marks where your prompt goes)</span>
          </label>
          <textarea
            id="gen-template"
            className="wide mono"
            rows={3}
            value={template}
            aria-invalid={error !== null}
            onChange={(e) => patch({ template: e.target.value, formatFrom: null })}
          />
          {error ? (
            <p className="engine-error" role="alert">
              {error.charAt(0).toUpperCase() + error.slice(1)}.
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}
