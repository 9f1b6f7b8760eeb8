/**
 * `exportJob`: a studio run, or the Train form's settings, as a job zip for axolotl / TRL on a GPU cluster. The
 * data is the stored dataset exactly as the studio tokenized, masked and split it, decoded back into
 * `input_output` segments (src/handoff/rendered-records.ts); the settings map as in the CLI's `export-job`.
 */
import { exactBuffer } from '../../util/exact-buffer';
import { defaultTemplate } from '../../data/template';
import type { PrepareOptions } from '../../data/types';
import { buildHandoffJob, HandoffError, zipJob } from '../../handoff/handoff-job';
import { tokenMarkers, type HandoffSpec } from '../../handoff/job-spec';
import { isHubId } from '../../hub/names';
import { countRoundTripMismatches, renderedRecords } from '../../handoff/rendered-records';
import type { ExportJobParams } from '../../protocol/handoff-types';
import type { TrainRunSpec } from '../../spec/run-spec';
import { InvalidRequestError } from '../../spec/errors';
import { getRun, getDataset } from '../../storage';
import type { HandlerSpec } from '../job';
import type { LoadedModel } from '../session';
import { newId, specOf } from '../train/run-records';
import { trainingData } from '../train/train-inputs';

/** The hand-off spec of a studio run on the loaded base. */
function handoffSpec(
  runId: string,
  spec: TrainRunSpec,
  loaded: LoadedModel,
  params: ExportJobParams,
  info: { template: string; pack: boolean; completionOnly: boolean },
): HandoffSpec {
  const given = params.modelId?.trim() || null;
  if (given !== null && !isHubId(given))
    throw new InvalidRequestError(`'${given}' is not a Hugging Face id (owner/name).`);
  return {
    runId,
    modelId: given ?? (isHubId(loaded.info.id) ? loaded.info.id : null),
    lora: spec.lora,
    dora: false,
    loraPlusRatio: null,
    train: spec.train,
    quant: loaded.info.quant,
    // The studio always recomputes layers in the backward (train handler).
    checkpointing: true,
    method: params.method ?? 'sft',
    preference: { beta: 0.1, loss: 'sigmoid' },
    render: { template: info.template, completionOnly: info.completionOnly, pack: info.pack, evalSplit: 0 },
    markers: tokenMarkers(loaded.tokenizer),
  };
}

export const exportJobHandler: HandlerSpec<'exportJob'> = {
  gpu: false,
  async run(params, job) {
    const loaded = job.state.session.requireModel();
    const db = await job.state.db();
    let runId: string;
    let spec: TrainRunSpec;
    if (params.runId) {
      const run = await getRun(db, params.runId);
      if (!run) throw new InvalidRequestError(`No training run with id '${params.runId}'.`);
      runId = run.id;
      spec = specOf(run);
    } else if (params.spec) {
      runId = newId('job');
      spec = params.spec;
    } else {
      throw new InvalidRequestError('Export a job from a run, or from the Train form with a dataset chosen.');
    }
    if (!spec.datasetId) throw new InvalidRequestError('Choose a prepared dataset first.');
    const method = spec.train.method ?? 'sft';
    if (method !== 'sft') {
      // The studio keeps preference pairs as tokens, not as the (prompt, chosen, rejected) text axolotl needs.
      throw new InvalidRequestError(
        `A ${method.toUpperCase()} run is handed off from its data files: run \`export-job --method ${method}\` in the CLI.`,
      );
    }
    const data = await trainingData(db, spec.datasetId, loaded.info.id, undefined, loaded.tokenizer.hasChatTemplate);
    const record = await getDataset(db, spec.datasetId);
    // What the Data section prepared it with (stored by the data handler as `info.options`).
    const options = (record?.info.options ?? {}) as PrepareOptions;
    const template = options.template ?? defaultTemplate(loaded.info.hasChatTemplate);
    const decode = (ids: readonly number[]) => loaded.tokenizer.decode(ids, { skipSpecialTokens: false });
    const handoff = handoffSpec(runId, spec, loaded, params, {
      template,
      pack: record?.info.packed === true,
      completionOnly: options.completionOnly ?? true,
    });
    const train = renderedRecords(data.train, decode);
    const evalRecords = renderedRecords(data.eval, decode);
    let built;
    try {
      built = buildHandoffJob(handoff, { kind: 'rendered', train, eval: evalRecords });
    } catch (e) {
      if (e instanceof HandoffError) throw new InvalidRequestError(e.message);
      throw e;
    }
    const encode = (text: string) => loaded.tokenizer.encode(text, { addSpecialTokens: false });
    const lossy =
      countRoundTripMismatches(data.train, train, encode) + countRoundTripMismatches(data.eval, evalRecords, encode);
    if (lossy > 0) {
      built.warnings.push(
        `${lossy} of ${train.length + evalRecords.length} examples do not tokenize back to the same tokens (this tokenizer loses text, e.g. <unk>): the cluster trains on slightly different tokens`,
      );
    }
    const zip = exactBuffer(zipJob(built, runId));
    job.transfer(zip);
    return {
      fileName: `job-${runId}.zip`,
      zip,
      runId,
      modelId: handoff.modelId,
      trainRecords: built.trainCount,
      evalRecords: built.evalCount,
      warnings: built.warnings,
    };
  },
};
