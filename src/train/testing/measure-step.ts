/**
 * The measured peak of one LoRA training step, from before the base loads, beside the estimate the studio would
 * show (`estimateRunMemory`): the check behind the estimate's promise, on any backend (tensor bytes on cpu/wasm,
 * GPU buffer bytes on WebGPU).
 */
import { withMemoryPeak, type MemoryPeak } from '../../backend/memory-probe';
import { ropeKernelAvailable } from '../../backend/kernels/rope-wasm';
import { loraDeltaAvailable } from '../../backend/kernels/lora-delta-wasm';
import { rmsNormKernelAvailable } from '../../backend/kernels/rms-norm-wasm';
import { tf } from '../../backend/tf';
import { specsOf } from '../../lora/config';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import { LoraAdapter } from '../../lora/lora-adapter';
import type { QuantMode } from '../../spec/modules';
import { loadModel } from '../../model/load';
import type { ModelFiles } from '../../spec/model-files';
import { createLinearFactory } from '../../model/linear-factory';
import type { TrainingMemory } from '../memory-estimate';
import { loraObjective } from '../objective';
import { estimateRunMemory } from '../run-estimate';
import { DEFAULT_TRAIN_CONFIG } from '../../spec/train-config';
import { seedStreams, Trainer } from '../trainer';

/**
 * config.json overrides of a small model whose LM head (vocab 8192) sets the checkpointed step's peak, as a
 * 50k–150k vocabulary does at real sizes (memory-estimate.test.ts, scripts/webgpu-step-memory.ts).
 */
export const HEAD_DOMINATED_SHAPE = {
  hidden_size: 128,
  intermediate_size: 320,
  num_hidden_layers: 3,
  num_key_value_heads: 1,
  vocab_size: 8192,
};

export interface StepMeasurement {
  peak: MemoryPeak;
  estimate: TrainingMemory;
  loss: number;
}

/** One step of LoRA r`rank` all-linear at batch 1 × `seq` tokens (every position a label) over `files`. */
export async function measureLoraStep(
  files: ModelFiles,
  o: {
    quant: QuantMode;
    seq: number;
    embeddings: 'f32' | 'f16';
    checkpointing: boolean;
    rank?: number;
    groupSize?: 32 | 64;
    /** LoRA dropout (default: DEFAULT_LORA_CONFIG's). */
    dropout?: number;
  },
): Promise<StepMeasurement> {
  const lora = {
    ...DEFAULT_LORA_CONFIG,
    rank: o.rank ?? 16,
    alpha: 2 * (o.rank ?? 16),
    dropout: o.dropout ?? DEFAULT_LORA_CONFIG.dropout,
  };
  const train = { ...DEFAULT_TRAIN_CONFIG, steps: 1, batchSize: 1, maxSeqLen: o.seq, bucket: 1, seed: 1 };
  const example = {
    ids: Int32Array.from({ length: o.seq }, (_, t) => (t * 7 + 3) % 97),
    lossMask: new Uint8Array(o.seq).fill(1),
  };
  const groupSize = o.groupSize ?? 64;
  const { result, peak } = await withMemoryPeak(async () => {
    const factory = o.quant === 'f32' ? undefined : createLinearFactory(o.quant, { groupSize });
    const model = await loadModel(files, { linearFactory: factory, embeddings: o.embeddings });
    const adapter = LoraAdapter.create(lora, specsOf(model.linears()), seedStreams(1).init);
    const trainer = new Trainer({
      objective: loraObjective(model, adapter, { checkpointing: o.checkpointing }),
      train: [example],
      config: train,
      runId: 'measure',
    });
    try {
      const estimate = estimateRunMemory(model, lora, {
        quant: o.quant,
        embeddings: o.embeddings,
        groupSize,
        train,
        longestExample: o.seq,
        checkpointing: o.checkpointing,
        // The backend's tensor bytes (never the wasm heap factor: peaks here are tensors).
        backend: tf.getBackend() === 'webgpu' ? 'webgpu' : 'cpu',
        oneKernelRope: ropeKernelAvailable(),
        oneOpLora: loraDeltaAvailable(),
        oneOpRmsNorm: rmsNormKernelAvailable(),
      }).memory;
      const r = await trainer.run();
      return { estimate, loss: r.metrics[0].loss };
    } finally {
      trainer.dispose();
      adapter.dispose();
      model.dispose();
    }
  });
  return { peak, ...result };
}
