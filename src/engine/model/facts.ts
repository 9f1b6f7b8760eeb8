/** Model facts and per-mode memory estimates from a parsed config (no weights needed). */
import type { ModelConfig } from '../../model/config';
import type { QuantMode } from '../../spec/modules';
import { countParameters, estimateModelMemory } from '../../model/memory-estimate';
import type { DeviceBudget, EmbeddingMode, ModelFacts, QuantEstimate } from '../../protocol/model-types';

/** The storage modes offered, most precise first. */
export const QUANT_CHOICES: readonly QuantMode[] = ['f32', 'f16', 'int8', 'nf4', 'int4'];

/** Share of the budget the frozen base may take: training needs the rest for activations and AdamW state. */
const BASE_SHARE = 0.5;

/** The facts the Model section lists. */
export function modelFacts(c: ModelConfig): ModelFacts {
  return {
    family: c.family,
    architecture: c.architecture,
    parameters: countParameters(c),
    layers: c.layers,
    hidden: c.hidden,
    heads: c.heads,
    kvHeads: c.kvHeads,
    intermediate: c.intermediate,
    vocab: c.vocab,
    contextLength: c.maxPositionEmbeddings,
    tiedEmbeddings: c.tieWordEmbeddings,
  };
}

/** Device bytes per mode, and whether each fits the budget. */
export function quantEstimates(c: ModelConfig, embeddings: EmbeddingMode, budget: DeviceBudget): QuantEstimate[] {
  return QUANT_CHOICES.map((mode) => {
    const m = estimateModelMemory(c, mode, 64, embeddings);
    const fitsBudget = budget.budgetBytes === null || m.total <= budget.budgetBytes;
    return { mode, bytes: m.total, hostBytes: m.hostBytes, fits: fitsBudget };
  });
}

/** The most precise mode whose base leaves half the budget for training; NF4 when nothing is known or fits. */
export function suggestQuant(estimates: readonly QuantEstimate[], budget: DeviceBudget): QuantMode {
  if (budget.budgetBytes === null) return 'nf4';
  const roomy = estimates.find((e) => e.bytes <= budget.budgetBytes! * BASE_SHARE && e.mode !== 'f32');
  return roomy?.mode ?? 'nf4';
}

/** Default embedding storage for a backend: compact f16 where our kernels run the head (webgpu). */
export function defaultEmbeddings(backend: string): EmbeddingMode {
  return backend === 'webgpu' ? 'f16' : 'f32';
}
