/**
 * `generateCompare`: Generate's side by side. One prompt under several uses (the base, the adapter mix, the
 * adapter being trained) decodes in one multiplexed batch with one seed: the base projections run once for all
 * rows and each row adds its own adapter's delta, so two panes cost about one. Weights are read at every forward
 * pass (a slider moved mid-generation applies from the next token), as in `generate`.
 */
import { decodeRows, type DecodeRow } from '../../eval/batched-generate';
import { promptIds } from '../../generate/generate';
import type { AdapterHook } from '../../model/linear';
import { InvalidRequestError } from '../../spec/errors';
import type { GenerateOutcome } from '../../protocol/generate-types';
import type { HandlerSpec } from '../job';
import { inputOf, samplingOf, trainingAdapter } from './generate';

export const generateCompareHandler: HandlerSpec<'generateCompare'> = {
  gpu: true,
  betweenSteps: true,
  async run(params, job) {
    const loaded = job.state.session.requireModel();
    if ((params.prompt === undefined) === (params.messages === undefined))
      throw new InvalidRequestError('Give either a prompt or chat messages.');
    if (params.messages && !loaded.tokenizer.hasChatTemplate)
      throw new InvalidRequestError('This model has no chat template: use plain text mode.');
    const uses = params.uses ?? [];
    if (uses.length === 0) throw new InvalidRequestError('Say which outputs to generate (base, adapters, training).');
    if (uses.includes('adapters')) await job.state.session.mixApplied();
    const stack = job.state.session.stack;
    const hookOf = (use: (typeof uses)[number]): AdapterHook | null =>
      use === 'training' ? trainingAdapter(job.state) : use === 'adapters' && stack.size > 0 ? stack : null;
    // The prompt in the chosen format (an adapter's training format), as `generate` renders it.
    const request = { ...inputOf(params, loaded.tokenizer.hasChatTemplate), maxNewTokens: params.maxNewTokens };
    let ids: number[];
    try {
      ids = promptIds(loaded.tokenizer, request);
    } catch (e) {
      throw new InvalidRequestError((e as Error).message);
    }
    if (ids.length === 0) throw new InvalidRequestError('The prompt is empty (no tokens).');
    const rows: DecodeRow[] = uses.map((use) => ({ hook: hookOf(use), ids }));
    const adapters = stack.list().map((e) => ({ id: e.id, weight: e.weight }));
    const stop = new AbortController();
    job.state.session.generationStops.add(stop);
    const seed = params.seed;
    const decoded = await decodeRows(
      loaded.model,
      loaded.tokenizer,
      rows,
      {
        ...samplingOf(params.sampling),
        maxNewTokens: params.maxNewTokens,
        seed,
        stop: params.stop?.filter((x) => x.length > 0),
        signal: AbortSignal.any([job.signal, stop.signal]),
      },
      { live: true, onToken: (row, t) => job.emit({ kind: 'token', row, index: t.index, id: t.id, text: t.text }) },
    ).finally(() => job.state.session.generationStops.delete(stop));
    job.signal.throwIfAborted();
    return decoded.map((d, i): GenerateOutcome => ({
      text: d.text,
      finishReason: d.finishReason,
      promptTokens: d.promptTokens,
      newTokens: d.ids.length,
      prefillMs: d.prefillMs,
      decodeMs: d.decodeMs,
      seed,
      adapters: rows[i].hook === stack ? adapters : [],
    }));
  },
};
