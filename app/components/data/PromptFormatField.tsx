import { PLAIN_TEMPLATE } from '../../../src/data/prompt-format';
import { CHAT_TEMPLATE, DEFAULT_PROMPT_TEMPLATE, defaultTemplate, templateError } from '../../../src/data/template';
import { useStudio } from '../../store';
import { setPromptTemplate } from '../../store/data-actions';

type Choice = 'chat' | 'plain' | 'instruction' | 'custom';

const CUSTOM_START = 'Question: {prompt}\nAnswer:';

function choiceOf(template: string): Choice {
  if (template === CHAT_TEMPLATE) return 'chat';
  if (template === PLAIN_TEMPLATE) return 'plain';
  return template === DEFAULT_PROMPT_TEMPLATE ? 'instruction' : 'custom';
}

const TEMPLATE_OF: Record<Exclude<Choice, 'custom'>, string> = {
  chat: CHAT_TEMPLATE,
  plain: PLAIN_TEMPLATE,
  instruction: DEFAULT_PROMPT_TEMPLATE,
};

/**
 * How prompt/completion (and Alpaca) records are rendered for training: the model's chat template, plain
 * `{prompt}{completion}`, an instruction template, or the user's own. The choice is stored with the dataset, so
 * sample generations and Generate render prompts the same way. Chat and plain-text data have one way only.
 */
export function PromptFormatField() {
  const shape = useStudio((s) => s.data.mapping?.shape ?? s.data.sample?.[0]?.mapping?.shape ?? null);
  const chosen = useStudio((s) => s.data.options.template);
  const hasChat = useStudio((s) => s.model.info?.hasChatTemplate ?? false);
  if (shape === 'chat' || shape === 'sharegpt') {
    return (
      <p className="hint span-2" data-testid="data-format-fixed">
        Prompt format: conversations are rendered with the model&apos;s chat template.
      </p>
    );
  }
  if (shape === 'text') {
    return (
      <p className="hint span-2" data-testid="data-format-fixed">
        Prompt format: plain text is trained as it is; samples continue your prompt.
      </p>
    );
  }
  if (shape === null) return null;
  const template = chosen || defaultTemplate(hasChat);
  const choice = choiceOf(template);
  const error = templateError(template);
  return (
    <>
      <label htmlFor="data-template-choice">Prompt format</label>
      <select
        id="data-template-choice"
        data-testid="data-format"
        value={choice}
        onChange={(e) => {
          const c = e.target.value as Choice;
          setPromptTemplate(
            c === 'custom' ? (choice === 'plain' || choice === 'chat' ? CUSTOM_START : template) : TEMPLATE_OF[c],
          );
        }}
      >
        <option value="chat" disabled={!hasChat}>
          Chat template{hasChat ? '' : ' (this model has none)'}
        </option>
        <option value="plain">Plain {'{prompt}{completion}'}</option>
        <option value="instruction">Instruction (### Instruction / ### Response)</option>
        <option value="custom">Custom template…</option>
      </select>
      {choice === 'custom' || choice === 'instruction' ? (
        <>
          <label htmlFor="data-template" className="visually-hidden">
            Prompt template
          </label>
          <textarea
            id="data-template"
            className="mono span-2"
            rows={3}
            value={template}
            aria-invalid={error !== null}
            onChange={(e) => setPromptTemplate(e.target.value)}
          />
          <p className="hint span-2">
            {'{prompt}'} (or {'{instruction}'}), {'{input}'} and {'{system}'} are filled in; the completion follows
            directly.
          </p>
        </>
      ) : null}
      {error ? (
        <p className="engine-error span-2" role="alert" data-testid="data-template-error">
          {error.charAt(0).toUpperCase() + error.slice(1)}.
        </p>
      ) : null}
    </>
  );
}
