/**
 * Will it fit? The studio's estimates held against the device budget, in the words a user acts on: which storage
 * mode and sequence length would fit. Used to refuse a load before its weights download, and to explain an
 * allocation that failed mid-training.
 */
import type { ModelConfig } from '../../model/config';
import type { QuantMode } from '../../spec/modules';
import { estimateModelBytes, layerLinearShapes } from '../../model/memory-estimate';
import type { EmbeddingMode } from '../../protocol/model-types';
import { estimateTrainingMemory } from '../../train/memory-estimate';
import { QUANT_CHOICES } from './facts';

/** What a typical run trains: LoRA r16 on every projection, batch 1, checkpointing, dropout (the defaults). */
export interface TrainShape {
  seqLen: number;
  batch: number;
  /** Trainable LoRA parameters; default r16 on all seven projections of every layer. */
  trainableParameters?: number;
}

export const DEFAULT_TRAIN_SHAPE: TrainShape = { seqLen: 512, batch: 1 };
/** Sequence lengths worth suggesting below `seqLen`: its halvings, longest first, down to 8 tokens. */
function shorter(seqLen: number): number[] {
  const out: number[] = [];
  for (let s = 2 ** Math.floor(Math.log2(Math.max(1, seqLen - 1))); s >= 8; s /= 2) out.push(s);
  return out;
}

export function loraParameters(c: ModelConfig, rank = 16): number {
  return c.layers * layerLinearShapes(c).reduce((a, l) => a + rank * (l.shape[0] + l.shape[1]), 0);
}

/** Where the run computes and how its base stores embeddings: both change what a step holds. */
export interface FitTarget {
  /** tf backend name: 'wasm' promises heap bytes, 'webgpu' GPU buffer bytes with its own activation terms. */
  backend: string;
  embeddings: EmbeddingMode;
}

/**
 * Device bytes of a training step on `target`: the base as loaded plus LoRA state and activations, the same
 * figure the studio shows before a run (`estimateTrainingMemory` with the run's backend).
 */
export function trainingBytes(c: ModelConfig, quant: QuantMode, target: FitTarget, t: TrainShape): number {
  return estimateTrainingMemory(c, {
    quant,
    embeddings: target.embeddings,
    backend: target.backend,
    trainableParameters: t.trainableParameters ?? loraParameters(c),
    batch: t.batch,
    seqLen: t.seqLen,
    checkpointing: true,
    dropout: true,
  }).totalBytes;
}

/**
 * Settings that fit `budget`: the longest sequence (≤ the asked one) in the same mode, and the most precise
 * smaller mode at the asked sequence. Either is null when none fits.
 */
export function fittingSettings(
  c: ModelConfig,
  target: FitTarget,
  budget: number,
  asked: { quant: QuantMode } & TrainShape,
): {
  seqLen: number | null;
  quant: QuantMode | null;
} {
  const fits = (quant: QuantMode, seqLen: number) => trainingBytes(c, quant, target, { ...asked, seqLen }) <= budget;
  const seqLen = shorter(asked.seqLen).find((s) => fits(asked.quant, s)) ?? null;
  const smaller = QUANT_CHOICES.slice(QUANT_CHOICES.indexOf(asked.quant) + 1);
  const quant = smaller.find((q) => fits(q, asked.seqLen)) ?? null;
  return { seqLen, quant };
}

/** "try seq 256 or nf4" / "try nf4" / "try nf4 at seq 128" / "even int4 at seq 8 does not fit: pick a smaller model". */
export function fitAdvice(
  c: ModelConfig,
  target: FitTarget,
  budget: number,
  asked: { quant: QuantMode } & TrainShape,
): string {
  const f = fittingSettings(c, target, budget, asked);
  const parts = [f.seqLen !== null ? `seq ${f.seqLen}` : null, f.quant].filter(Boolean);
  if (parts.length) return `try ${parts.join(' or ')}`;
  for (const quant of QUANT_CHOICES.slice(QUANT_CHOICES.indexOf(asked.quant))) {
    const seqLen = shorter(asked.seqLen).find(
      (s) => trainingBytes(c, quant, target, { ...asked, seqLen: s }) <= budget,
    );
    if (seqLen !== undefined) return `try ${quant} at seq ${seqLen}`;
  }
  return 'even int4 at seq 8 does not fit: pick a smaller model';
}

export function formatGiB(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * Why `quant` cannot even be loaded within `budget` (its base alone exceeds it), naming what would fit; null when
 * it fits. Training needs more than the base, so the advice is for a default run (r16, batch 1, seq 512).
 */
export function loadRefusal(
  c: ModelConfig,
  quant: QuantMode,
  target: FitTarget,
  budget: number | null,
  label: string,
): string | null {
  if (budget === null) return null;
  const base = estimateModelBytes(c, quant, 64, target.embeddings);
  if (base <= budget) return null;
  const advice = fitAdvice(c, target, budget, { quant, ...DEFAULT_TRAIN_SHAPE });
  return `${label} in ${quant.toUpperCase()} needs ≈ ${formatGiB(base)} before training, more than this device's budget of ${formatGiB(budget)}; ${advice}. Nothing was downloaded.`;
}
