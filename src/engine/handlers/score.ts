/**
 * `score`: per-token log-probabilities of a sequence under the loaded base (optionally with the active adapter
 * mix), one forward pass. The browser twin of the CLI's `score` command; the e2e tests compare it with PyTorch.
 */
import { tf } from '../../backend/tf';
import { InvalidRequestError } from '../../spec/errors';
import type { ScoreParams } from '../../protocol/score-types';
import type { HandlerSpec } from '../job';
import type { LoadedModel } from '../session';

/** Validated token ids of `params`: given, or encoded by the model's tokenizer. */
function idsOf(params: ScoreParams, loaded: LoadedModel): number[] {
  if ((params.ids === undefined) === (params.text === undefined))
    throw new InvalidRequestError('Give either token ids or a text to score.');
  const ids = params.ids ?? loaded.tokenizer.encode(params.text ?? '');
  const vocab = loaded.info.facts.vocab;
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad !== undefined)
    throw new InvalidRequestError(`Token id ${String(bad)} is outside the vocabulary [0, ${vocab}).`);
  if (ids.length === 0) throw new InvalidRequestError('Nothing to score: the sequence is empty.');
  return ids;
}

export const scoreHandler: HandlerSpec<'score'> = {
  gpu: true,
  // Read-only on the model: during a training run it runs at a step boundary instead of after the run.
  betweenSteps: true,
  async run(params, job) {
    const loaded = job.state.session.requireModel();
    const ids = idsOf(params, loaded);
    if (params.use === 'adapters') await job.state.session.mixApplied();
    const stack = job.state.session.stack;
    const hook = params.use === 'adapters' && stack.size > 0 ? stack : null;
    const started = performance.now();
    const logprobs = await loaded.model.logProbs(ids, { hook });
    return { ids, logprobs, backend: tf.getBackend(), millis: performance.now() - started };
  },
};
