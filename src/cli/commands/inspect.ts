/**
 * `inspect --model DIR [--json] [--group-size 32|64|128]`: architecture, parameter count and the memory the frozen
 * base needs in each storage mode. Works on a folder holding only config.json (sizing a model before downloading
 * it); when weights are present their files and stored dtypes are listed from the headers (no tensor data read).
 */
import { checkConfigAgainstCheckpoint, openCheckpoint } from '../../model/checkpoint';
import { loadModelConfig, type ModelConfig } from '../../model/config';
import type { QuantMode } from '../../spec/modules';
import {
  countParameters,
  estimateKvCacheBytes,
  estimateModelMemory,
  linearParameters,
  type ModelMemory,
} from '../../model/memory-estimate';
import type { ModelFiles } from '../../spec/model-files';
import type { GroupSize } from '../../quant/packed';
import { formatBytes } from '../../util/format-bytes';
import { CliError, flag, parseFlags, type CliCommand } from '../command';
import { asCliError, modelFolderFlag, warn } from './score';

const MODES: readonly QuantMode[] = ['f32', 'f16', 'int8', 'int4', 'nf4'];

/** What `inspect --json` prints. */
export interface InspectReport {
  model: string;
  architecture: string;
  family: ModelConfig['family'];
  config: ModelConfig;
  parameters: number;
  linearParameters: number;
  groupSize: number;
  /** Per mode, embeddings (and untied LM head) as f32 tensors: `loadModel`'s default. */
  memory: Record<QuantMode, ModelMemory>;
  /** Per mode, with `embeddings: 'f16'` (host lookup table, packed f16 LM head). */
  memoryF16Embeddings: Record<QuantMode, ModelMemory>;
  /** f32 keys + values of every layer for 1024 tokens of one sequence (grows linearly). */
  kvCacheBytesPer1kTokens: number;
  /** Weight files and the dtypes stored in them; null when the folder has no weights. */
  checkpoint: { files: string[]; dtypes: string[]; bytes: number } | null;
}

async function describeCheckpoint(files: ModelFiles, config: ModelConfig): Promise<InspectReport['checkpoint']> {
  const names = await files.list();
  if (!names.some((n) => n.endsWith('.safetensors') || n === 'model.safetensors.index.json')) return null;
  const ckpt = await openCheckpoint(files);
  // Counts below come from config.json; with weights at hand, make sure they describe these weights.
  checkConfigAgainstCheckpoint(files, ckpt, config);
  const dtypes = new Set<string>();
  let bytes = 0;
  for (const h of ckpt.headers.values()) {
    bytes += h.fileSize;
    for (const t of h.tensors.values()) dtypes.add(t.dtype);
  }
  return { files: [...ckpt.headers.keys()], dtypes: [...dtypes].sort(), bytes };
}

/** Builds the report for a model folder (config.json required, weights optional). */
export async function inspectModel(
  files: ModelFiles,
  groupSize: GroupSize = 64,
  onWarning?: (m: string) => void,
): Promise<InspectReport> {
  const config = await loadModelConfig(files, onWarning);
  const table = (emb: 'f32' | 'f16') =>
    Object.fromEntries(MODES.map((m) => [m, estimateModelMemory(config, m, groupSize, emb)])) as Record<
      QuantMode,
      ModelMemory
    >;
  return {
    model: files.label,
    architecture: config.architecture,
    family: config.family,
    config,
    parameters: countParameters(config),
    linearParameters: linearParameters(config),
    groupSize,
    memory: table('f32'),
    memoryF16Embeddings: table('f16'),
    kvCacheBytesPer1kTokens: estimateKvCacheBytes(config, 1, 1024),
    checkpoint: await describeCheckpoint(files, config),
  };
}

/** 1234567 → "1.23M". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/** The human-readable form of a report. */
export function formatReport(r: InspectReport): string {
  const c = r.config;
  const rope = c.ropeScaling ? `${c.ropeScaling.type} ×${c.ropeScaling.factor}` : 'none';
  const extras = [
    c.tieWordEmbeddings ? 'tied embeddings' : 'untied LM head',
    c.qkvBias ? 'q/k/v bias' : null,
    c.qkNorm ? 'q/k RMSNorm' : null,
    c.slidingWindow ? `sliding window ${c.slidingWindow}` : null,
  ].filter(Boolean);
  const lines = [
    `model         ${r.model}`,
    `architecture  ${r.architecture} (${r.family})`,
    `shape         ${c.layers} layers, hidden ${c.hidden}, ${c.heads} heads / ${c.kvHeads} KV heads × ${c.headDim}, ` +
      `intermediate ${c.intermediate}, vocab ${c.vocab}`,
    `attention     RoPE θ=${c.ropeTheta}, scaling ${rope}, max positions ${c.maxPositionEmbeddings}; ${extras.join(', ')}`,
    `parameters    ${formatCount(r.parameters)} (${r.parameters}; linear layers ${formatCount(r.linearParameters)})`,
  ];
  if (r.checkpoint) {
    lines.push(
      `checkpoint    ${r.checkpoint.files.join(', ')} (${r.checkpoint.dtypes.join('/')}, ${formatBytes(r.checkpoint.bytes, 1)})`,
    );
  }
  lines.push(`memory        frozen base on the device (group size ${r.groupSize}; norms and biases f32):`);
  lines.push(
    `  ${'mode'.padEnd(6)}${'linear'.padStart(12)}${'total, f32 emb.'.padStart(18)}${'total, f16 emb.*'.padStart(18)}`,
  );
  for (const m of MODES) {
    const [a, b] = [r.memory[m], r.memoryF16Embeddings[m]];
    lines.push(
      `  ${m.padEnd(6)}${formatBytes(a.linearBytes, 1).padStart(12)}${formatBytes(a.total, 1).padStart(18)}${formatBytes(b.total, 1).padStart(18)}`,
    );
  }
  lines.push(
    `  * embeddings: 'f16': LM head packed f16, lookup table (${formatBytes(r.memoryF16Embeddings.f32.hostBytes, 1)}) in host memory`,
  );
  lines.push(`kv cache      ${formatBytes(r.kvCacheBytesPer1kTokens, 1)} per 1024 tokens of one sequence (f32)`);
  return lines.join('\n') + '\n';
}

export const inspectCommand: CliCommand = {
  summary: 'architecture, parameter count and memory per quant mode (config.json alone is enough)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const files = await modelFolderFlag(flags);
    const groupSize = Number(flag(flags, 'group-size', '64'));
    if (groupSize !== 32 && groupSize !== 64 && groupSize !== 128)
      throw new CliError('--group-size must be 32, 64 or 128');
    const report = await inspectModel(files, groupSize, warn).catch(asCliError);
    process.stdout.write(flags.has('json') ? JSON.stringify(report) + '\n' : formatReport(report));
    return 0;
  },
};
