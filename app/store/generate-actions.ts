/**
 * Generate section actions: run the playground (one pane, or base and adapters side by side with one seed),
 * stop, and keep the engine's adapter mix in step with the sliders (sent as they move: the engine applies a new
 * weight from the next token, so a running generation follows the slider).
 */
import { isPromptFormat, PLAIN_TEMPLATE } from '../../src/data/prompt-format';
import { CHAT_TEMPLATE } from '../../src/data/template';
import { CancelledError } from '../../src/spec/errors';
import type { GenerateParams } from '../../src/protocol/generate-types';
import type { ChatMessage } from '../../src/tokenizer/types';
import { getEngine } from '../engine';
import { requestSectionFocus } from '../section-focus';
import { useStudio } from './index';
import { errorText } from './job-progress';
import type { PaneId } from './generate-slice';
import { panesOf, selectPaneSet } from './selectors';

let controllers = new Map<PaneId, AbortController>();
let mixTimer: ReturnType<typeof setTimeout> | null = null;

const state = () => useStudio.getState();

/** The prompt as the request takes it, in the chosen mode. */
function input(
  messages: ChatMessage[] | null,
): Pick<GenerateParams, 'prompt' | 'messages' | 'format' | 'templateVariables'> {
  const g = state().generate;
  const variables = g.formatFrom?.format.templateVariables;
  if (messages) return variables ? { messages, templateVariables: variables } : { messages };
  return g.mode === 'template' ? { prompt: g.prompt, format: { template: g.template } } : { prompt: g.prompt };
}

function params(use: PaneId, messages: ChatMessage[] | null): GenerateParams {
  const g = state().generate;
  const stop = g.stop
    .split('\n')
    .map((s) => s.replace(/\\n/g, '\n'))
    .filter((s) => s.length > 0);
  return {
    ...input(messages),
    sampling: g.sampling,
    maxNewTokens: g.maxNewTokens,
    seed: g.seed,
    stop,
    use,
  };
}

/** Streams one pane; resolves with its text (null when it failed or was stopped before the end). */
async function runPane(id: PaneId, messages: ChatMessage[] | null): Promise<string | null> {
  const controller = new AbortController();
  controllers.set(id, controller);
  state().patchPane(id, { text: '', running: true, result: null, error: null });
  let text = '';
  try {
    const tokens = getEngine().stream('generate', params(id, messages), { signal: controller.signal });
    for await (const token of tokens) {
      if (!token.text) continue;
      text += token.text;
      state().patchPane(id, { text });
    }
    const result = await tokens.result;
    state().patchPane(id, { text: result.text, running: false, result });
    return result.text;
  } catch (e) {
    state().patchPane(id, { running: false, error: e instanceof CancelledError ? null : errorText(e) });
    return null;
  }
}

/** Streams several panes from one `generateCompare` request; resolves with their texts (null on failure or stop). */
async function runPanesTogether(ids: PaneId[], messages: ChatMessage[] | null): Promise<(string | null)[]> {
  const controller = new AbortController();
  for (const id of ids) {
    controllers.set(id, controller);
    state().patchPane(id, { text: '', running: true, result: null, error: null });
  }
  const texts = ids.map(() => '');
  try {
    const { use: _use, ...rest } = params(ids[0], messages);
    const results = await getEngine().request(
      'generateCompare',
      { ...rest, uses: ids },
      {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.kind !== 'token' || !e.text || e.row === undefined) return;
          texts[e.row] += e.text;
          state().patchPane(ids[e.row], { text: texts[e.row] });
        },
      },
    );
    ids.forEach((id, i) => state().patchPane(id, { text: results[i].text, running: false, result: results[i] }));
    return results.map((r) => r.text);
  } catch (e) {
    for (const id of ids)
      state().patchPane(id, { running: false, error: e instanceof CancelledError ? null : errorText(e) });
    return ids.map(() => null);
  }
}

/** Runs the playground: base and adapters side by side (same prompt and seed), or the one that applies. */
export async function runGeneration(): Promise<void> {
  // A slider moved just before the click goes to the engine first (the engine applies mix changes before the
  // generations asked for after them).
  flushMix();
  for (const c of controllers.values()) c.abort();
  controllers = new Map();
  const g = state().generate;
  const messages = g.mode === 'chat' ? chatMessages() : null;
  if (messages && messages.length === 0) return;
  const panes = panesOf(selectPaneSet(state()));
  // Side by side, the panes decode together in one multiplexed batch (the base computed once, each pane adding its
  // own adapter); during a training run they run at the run's next step boundary (the run waits for them).
  const texts = panes.length > 1 ? await runPanesTogether(panes, messages) : [await runPane(panes[0], messages)];
  const reply = texts[texts.length - 1];
  if (messages && reply !== null) {
    state().patchGenerate({
      messages: [...state().generate.messages, { role: 'assistant', content: reply }],
      prompt: '',
    });
  }
}

/** Chat mode: the history plus the new user message (which is added to the history). */
function chatMessages(): ChatMessage[] {
  const g = state().generate;
  const history = g.prompt.trim() ? [...g.messages, { role: 'user' as const, content: g.prompt.trim() }] : g.messages;
  state().patchGenerate({ messages: history });
  return g.system.trim() ? [{ role: 'system', content: g.system.trim() }, ...history] : history;
}

/** Stops every running pane after its current token; what was generated so far stays, with its stats. */
export function stopGeneration(): void {
  // A pane still waiting for the engine (side by side runs one after the other) is cancelled outright.
  for (const [id, c] of controllers) if (state().generate.panes[id].text === '') c.abort();
  void getEngine()
    .request('stopGeneration', {})
    .catch(() => {
      // The engine is gone or busy: cancel the requests outright instead.
      for (const c of controllers.values()) c.abort();
    });
}

/** Starts a new conversation. */
export function clearChat(): void {
  state().patchGenerate({ messages: [], prompt: '' });
}

/** Adds an adapter to the mix (weight 1) or removes it; an added adapter sets the prompt mode to its format. */
export function toggleInMix(id: string): void {
  const { mix } = state().generate;
  const adding = !mix.some((m) => m.id === id);
  state().patchGenerate({ mix: adding ? [...mix, { id, weight: 1 }] : mix.filter((m) => m.id !== id) });
  if (adding) adoptAdapterFormat(id);
  syncMix(0);
}

/** Puts an adapter in the mix (if it is not there) and prompts the way it was trained: what "try it" means. */
export function putAdapterInGenerate(id: string): void {
  if (!state().generate.mix.some((m) => m.id === id))
    state().patchGenerate({ mix: [...state().generate.mix, { id, weight: 1 }] });
  adoptAdapterFormat(id);
  syncMix(0);
}

/** "Use in Generate" from the library: the adapter alone in the mix (weight 1, its format), and Generate opens. */
export function useInGenerate(id: string): void {
  state().patchGenerate({ mix: [{ id, weight: 1 }] });
  adoptAdapterFormat(id);
  syncMix(0);
  requestSectionFocus();
  state().setSection('generate');
}

/**
 * Sets the prompt mode to the format adapter `id`'s training data was rendered in (chat template, a prompt
 * template, or plain text), so the adapter sees prompts as it learned them. Adapters with no known format (imported
 * ones) leave the mode as it is.
 */
export function adoptAdapterFormat(id: string): void {
  const record = state().adapters.list.find((a) => a.id === id);
  const format = record?.promptFormat;
  if (!record || !isPromptFormat(format)) return;
  const hasChat = state().model.info?.hasChatTemplate ?? false;
  const formatFrom = { adapter: record.name, format };
  if (format.template === CHAT_TEMPLATE) return state().patchGenerate({ mode: hasChat ? 'chat' : 'text', formatFrom });
  if (format.template === PLAIN_TEMPLATE) return state().patchGenerate({ mode: 'text', formatFrom });
  state().patchGenerate({ mode: 'template', template: format.template, formatFrom });
}

/** Changes one adapter's weight in the mix. */
export function setMixWeight(id: string, weight: number): void {
  state().patchGenerate({ mix: state().generate.mix.map((m) => (m.id === id ? { ...m, weight } : m)) });
  syncMix(60);
}

/** Sends the mix to the engine (after `delayMs`, coalescing slider moves). */
export function syncMix(delayMs = 0): void {
  if (mixTimer) clearTimeout(mixTimer);
  mixTimer = setTimeout(sendMix, delayMs);
}

/** Sends a mix change still waiting for its delay now. */
function flushMix(): void {
  if (mixTimer) sendMix();
}

function sendMix(): void {
  if (mixTimer) clearTimeout(mixTimer);
  mixTimer = null;
  void getEngine()
    .request('setActiveAdapters', { adapters: state().generate.mix })
    .then(() => state().patchGenerate({ mixError: null }))
    .catch((e: unknown) => state().patchGenerate({ mixError: errorText(e) }));
}
