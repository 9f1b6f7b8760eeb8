import { formatPrompt, type FormattedPrompt } from '../../data/prompt-format';
import { templateError } from '../../data/template';
import { generate } from '../../generate/generate';
import { InvalidRequestError } from '../../spec/errors';
import type { ActiveAdapter, GenerateParams, SamplingControls } from '../../protocol/generate-types';
import type { SamplingParams } from '../../generate/sampler';
import type { LoraAdapter } from '../../lora/lora-adapter';
import { openAdapter } from '../adapters/open-adapter';
import type { EngineState, HandlerSpec } from '../job';
import { activeRun } from '../train/active-runs';

/**
 * `generate`: streams `token` events from the loaded base, alone, with the session's adapter stack, or with the
 * adapter of the training run going on. The stack is read at every forward pass, so `setActiveAdapters` during a
 * generation changes the mix from the next token. During a run it runs at a step boundary (`betweenSteps`).
 */
export const generateHandler: HandlerSpec<'generate'> = {
  gpu: true,
  betweenSteps: true,
  async run(params, job) {
    const loaded = job.state.session.requireModel();
    if ((params.prompt === undefined) === (params.messages === undefined)) {
      throw new InvalidRequestError('Give either a prompt or chat messages.');
    }
    if (params.messages && !loaded.tokenizer.hasChatTemplate) {
      throw new InvalidRequestError('This model has no chat template: use plain text mode.');
    }
    if (params.use === 'adapters') await job.state.session.mixApplied();
    const stack = job.state.session.stack;
    const training = params.use === 'training' ? trainingAdapter(job.state) : null;
    const hook = training ?? (params.use === 'adapters' && stack.size > 0 ? stack : null);
    const adapters = hook === stack ? stack.list().map((e) => ({ id: e.id, weight: e.weight })) : [];
    const sampling = params.sampling;
    // A soft stop ends the loop and returns the text so far; a cancel (job.signal) rejects the request.
    const stop = new AbortController();
    job.state.session.generationStops.add(stop);
    const result = await generate(
      loaded.model,
      loaded.tokenizer,
      {
        ...inputOf(params, loaded.tokenizer.hasChatTemplate),
        maxNewTokens: params.maxNewTokens,
        seed: params.seed,
        stop: params.stop?.filter((x) => x.length > 0),
        hook,
        ...samplingOf(sampling),
      },
      {
        signal: AbortSignal.any([job.signal, stop.signal]),
        onToken: (t) => job.emit({ kind: 'token', index: t.index, id: t.id, text: t.text }),
      },
    ).finally(() => job.state.session.generationStops.delete(stop));
    return {
      text: result.text,
      finishReason: result.finishReason,
      promptTokens: result.promptTokens,
      newTokens: result.newTokens,
      prefillMs: result.prefillMs,
      decodeMs: result.decodeMs,
      seed: result.seed,
      adapters,
    };
  },
};

/** The prompt as `generate` takes it: rendered in `format` when one is given, or the conversation. */
export function inputOf(
  params: Pick<GenerateParams, 'prompt' | 'messages' | 'format' | 'templateVariables'>,
  hasChatTemplate: boolean,
): FormattedPrompt {
  if (params.prompt === undefined)
    return {
      messages: params.messages ?? [],
      ...(params.templateVariables ? { templateVariables: params.templateVariables } : {}),
    };
  if (!params.format) return { prompt: params.prompt };
  if (typeof params.format.template !== 'string') throw new InvalidRequestError('The prompt format has no template.');
  const error = templateError(params.format.template);
  if (error) throw new InvalidRequestError(error.charAt(0).toUpperCase() + error.slice(1) + '.');
  return formatPrompt(params.format, params.prompt, hasChatTemplate);
}

/** The playground's sampling controls as generation settings (neutral values left out). */
export function samplingOf(s: SamplingControls): SamplingParams {
  return {
    temperature: s.temperature,
    topK: s.topK > 0 ? s.topK : undefined,
    topP: s.topP < 1 ? s.topP : undefined,
    minP: s.minP > 0 ? s.minP : undefined,
    repetitionPenalty: s.repetitionPenalty !== 1 ? s.repetitionPenalty : undefined,
  };
}

/**
 * The adapter the running training run trains. Safe to read here: this handler runs at the run's step boundary
 * (or while it is paused), never during a step, so the matrices hold still and dropout is off.
 */
export function trainingAdapter(state: EngineState): LoraAdapter {
  const run = activeRun(state);
  if (!run) throw new InvalidRequestError('No training run is going: generate with the base or with saved adapters.');
  return run.adapter;
}

/**
 * `setActiveAdapters`: the mix `generate` applies. Adapters not yet on the device are opened from storage;
 * ones left out are removed from the stack (kept open for a quick return). Not a GPU-queue job, so a weight
 * change reaches a generation that is running; changes apply in the order they came, and a generation, compare
 * or score with the adapters that is asked for after one waits until it has applied.
 */
export const setActiveAdaptersHandler: HandlerSpec<'setActiveAdapters'> = {
  gpu: false,
  async run(params, job) {
    const session = job.state.session;
    const wanted: ActiveAdapter[] = (params.adapters ?? []).filter(
      (a) => typeof a.id === 'string' && Number.isFinite(a.weight),
    );
    return session.changeMix(async () => {
      for (const a of wanted) {
        const adapter = await openAdapter(session, () => job.state.db(), a.id);
        if (session.stack.list().some((e) => e.id === a.id)) session.stack.setWeight(a.id, a.weight);
        else session.stack.set(a.id, adapter, a.weight);
      }
      for (const e of session.stack.list()) if (!wanted.some((a) => a.id === e.id)) session.stack.remove(e.id);
      return session.stack.list().map((e) => ({ id: e.id, weight: e.weight }));
    });
  },
};

/** `stopGeneration`: ends every running generation after its current token; each returns what it wrote. */
export const stopGenerationHandler: HandlerSpec<'stopGeneration'> = {
  gpu: false,
  async run(_params, job) {
    const stops = [...job.state.session.generationStops];
    for (const s of stops) s.abort();
    return { stopped: stops.length };
  },
};
