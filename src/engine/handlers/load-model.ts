import { tf } from '../../backend/tf';
import { loadModelConfig, type ModelConfig } from '../../model/config';
import { loadModel } from '../../model/load';
import { estimateModelBytes } from '../../model/memory-estimate';
import { createLinearFactory } from '../../model/linear-factory';
import { InvalidRequestError } from '../../spec/errors';
import type { ModelInfo } from '../../protocol/model-types';
import { loadTokenizer } from '../../tokenizer/load';
import type { HandlerSpec, JobContext } from '../job';
import { defaultEmbeddings, modelFacts, QUANT_CHOICES } from '../model/facts';
import { deviceBudget } from '../model/device-budget';
import { loadRefusal } from '../model/fit';
import { openSource, sourceConfigFiles } from '../model/open-source';
import { RateMeter } from '../rate-meter';
import { requireOneOf } from './request-checks';

/**
 * `loadModel`: source → files (download) → config and tokenizer (parse) → weights streamed tensor by tensor,
 * quantized and uploaded (quantize) → the session's model (upload). The previous model and its adapters are
 * freed first, so two bases never sit on the device together.
 */
export const loadModelHandler: HandlerSpec<'loadModel'> = {
  gpu: true,
  async run(params, job) {
    requireOneOf(params.quant, QUANT_CHOICES, 'quantization');
    const session = job.state.session;
    if (session.busyTraining)
      throw new InvalidRequestError('A training run is using the model. Stop it before loading another.');
    const started = performance.now();
    const backend = tf.getBackend();
    const embeddings = params.embeddings ?? defaultEmbeddings(backend);
    const refuseIfTooLarge = (config: ModelConfig, label: string): void => {
      const refusal = loadRefusal(config, params.quant, { backend, embeddings }, deviceBudget().budgetBytes, label);
      if (refusal) throw new InvalidRequestError(refusal);
    };
    // A hub repo is sized from its config.json alone, before a single weight byte downloads.
    if (params.source.kind === 'hub') {
      const head = await sourceConfigFiles(params.source, job);
      refuseIfTooLarge(await loadModelConfig(head.files), head.label);
    }
    const opened = await openSource(params.source, job);
    job.progress('parse', 0, 2, 'items');
    const config = await loadModelConfig(opened.files);
    refuseIfTooLarge(config, opened.label);
    const tokenizer = await loadTokenizer(opened.files);
    job.progress('parse', 2, 2, 'items');
    job.throwIfAborted();
    session.unload();
    const model = await loadModel(opened.files, {
      linearFactory: createLinearFactory(params.quant),
      embeddings,
      signal: job.signal,
      onProgress: weightProgress(job, params.quant === 'f32' ? 'upload' : 'quantize'),
    });
    job.progress('upload', 0, 1, 'items');
    await settle(job);
    job.progress('upload', 1, 1, 'items');
    const info: ModelInfo = {
      id: opened.id,
      label: opened.label,
      sourceKind: params.source.kind,
      facts: modelFacts(config),
      quant: params.quant,
      embeddings,
      deviceBytes: estimateModelBytes(config, params.quant, 64, embeddings),
      hasChatTemplate: tokenizer.hasChatTemplate,
      bosTokenId: tokenizer.bosTokenId,
      eosTokenIds: [...tokenizer.eosTokenIds],
      loadMillis: performance.now() - started,
      downloadedBytes: opened.downloadedBytes,
      backend,
    };
    session.setModel({ model, tokenizer, info, files: opened.files });
    job.log(
      'info',
      `loaded ${info.label} (${info.facts.architecture}, ${params.quant}) in ${(info.loadMillis / 1000).toFixed(1)} s`,
    );
    return info;
  },
};

/** Forwards the loader's byte counts as `stage` progress with a speed. */
function weightProgress(job: JobContext, stage: 'quantize' | 'upload') {
  const meter = new RateMeter();
  return (p: { stage: string; bytesDone: number; bytesTotal: number; tensorsDone: number; tensorsTotal: number }) => {
    if (p.stage !== 'weights') return;
    job.emit({
      kind: 'progress',
      stage,
      done: p.bytesDone,
      total: p.bytesTotal,
      unit: 'bytes',
      rate: meter.update(p.bytesDone),
      detail: `tensor ${p.tensorsDone} of ${p.tensorsTotal}`,
    });
  };
}

/** Waits for queued uploads so the load's end means the weights are on the device (a 1-value read syncs). */
async function settle(job: JobContext): Promise<void> {
  const probe = tf.zeros([1]);
  try {
    await probe.data();
  } finally {
    probe.dispose();
  }
  job.throwIfAborted();
}
