/**
 * `generate --model DIR [--quant f32|f16|int8|int4|nf4] [--group-size 32|64|128] --prompt STR [--chat [--system STR]]
 *  [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repetition-penalty R] [--seed S]
 *  [--stop STR (\n, \t unescaped)]... [--template-var NAME=VALUE]... [--adapter DIR[:WEIGHT]]...
 *  [--backend wasm|cpu|webgpu] [--gpu swiftshader|system] [--stats]`
 * Streams the generated text to stdout as it is produced. Sampling settings not given on the command line come
 * from the checkpoint's generation_config.json (greedy when it does not ask for sampling). Ctrl-C stops
 * generation and keeps what was produced. `--stats` prints token counts and speed to stderr, then one JSON line with
 * the measured peak memory (as `train`'s summary measures it) against the base + KV-cache estimate. `--template-var`
 * passes chat-template inputs with `--chat`, e.g. `enable_thinking=false` for Qwen3.
 */
import { generate } from '../../generate/generate';
import { generationDefaults } from '../../generate/generation-config';
import type { GenerateRequest, GenerateResult } from '../../generate/types';
import { wasmHeapBytes, withMemoryPeak } from '../../backend/memory-probe';
import type { DecoderModel } from '../../model/llama';
import type { QuantMode } from '../../spec/modules';
import { loadModel } from '../../model/load';
import { decodeHeadCopyBytes } from '../../model/decode-head';
import { estimateKvCacheBytes, estimateModelBytes } from '../../model/memory-estimate';
import { WASM_HEAP_FACTOR } from '../../train/memory-estimate';
import { readJson, type ModelFiles } from '../../spec/model-files';
import { ChatTemplateError } from '../../tokenizer/chat-template';
import { loadTokenizer } from '../../tokenizer/load';
import type { ChatMessage, TextTokenizer } from '../../tokenizer/types';
import { initBackendFlag } from '../backend-flag';
import { CliError, flag, parseFlags, type CliCommand } from '../command';
import { loadAdapterFlags, parseAdapterFlags } from './adapter-flags';
import { asCliError, modelFolderFlag, quantFlags, warn } from './score';
import { backendPeakBytes } from './train-summary';

const DEFAULT_MAX_NEW_TOKENS = 256;

export { parseAdapterFlags, type AdapterSpec } from './adapter-flags';

function numberFlag(
  flags: Map<string, string[]>,
  name: string,
  check: (v: number) => boolean,
  range: string,
): number | undefined {
  const raw = flag(flags, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw === 'true' || !Number.isFinite(v) || !check(v))
    throw new CliError(`--${name} must be ${range}; got '${raw}'`);
  return v;
}

/** `--template-var NAME=VALUE` (repeatable): VALUE as JSON when it parses (`false`, `3`), else as a string. */
export function templateVariables(flags: Map<string, string[]>): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const item of flags.get('template-var') ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`--template-var must be NAME=VALUE (e.g. enable_thinking=false); got '${item}'`);
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: keep the string
    }
    vars[item.slice(0, eq)] = value;
  }
  return vars;
}

/** `--stop` values may spell newlines and tabs as `\n` and `\t` (shells pass them literally); `\\` is a backslash. */
export function unescapeStop(s: string): string {
  return s.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/** Sampling flags over generation_config defaults. */
async function buildRequest(flags: Map<string, string[]>, files: ModelFiles): Promise<GenerateRequest> {
  const prompt = flag(flags, 'prompt');
  if (prompt === undefined || prompt === 'true') throw new CliError('--prompt STR is required');
  const hasGenConfig = (await files.size('generation_config.json')) !== null;
  const defaults = hasGenConfig
    ? generationDefaults(await readJson(files, 'generation_config.json').catch(asCliError))
    : {};
  const int = (v: number) => Number.isInteger(v);
  const request: GenerateRequest = {
    maxNewTokens:
      numberFlag(flags, 'max-new-tokens', (v) => int(v) && v >= 1, 'an integer ≥ 1') ??
      defaults.maxNewTokens ??
      DEFAULT_MAX_NEW_TOKENS,
    temperature:
      numberFlag(flags, 'temperature', (v) => v >= 0, 'a number ≥ 0 (0 = greedy)') ?? defaults.temperature ?? 0,
    topK: numberFlag(flags, 'top-k', (v) => int(v) && v >= 0, 'an integer ≥ 0 (0 = off)') ?? defaults.topK,
    topP: numberFlag(flags, 'top-p', (v) => v > 0 && v <= 1, 'in (0, 1]') ?? defaults.topP,
    minP: numberFlag(flags, 'min-p', (v) => v >= 0 && v <= 1, 'in [0, 1]') ?? defaults.minP,
    repetitionPenalty:
      numberFlag(flags, 'repetition-penalty', (v) => v > 0, 'a number > 0 (1 = off)') ?? defaults.repetitionPenalty,
    seed: numberFlag(flags, 'seed', (v) => int(v) && v >= 0, 'a non-negative integer'),
    stop: flags
      .get('stop')
      ?.filter((s) => s !== 'true')
      .map(unescapeStop),
  };
  if (flags.has('chat')) {
    const system = flag(flags, 'system');
    const messages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
    messages.push({ role: 'user', content: prompt });
    request.messages = messages;
    request.templateVariables = templateVariables(flags);
  } else {
    request.prompt = prompt;
  }
  return request;
}

/** Generates, streaming text to stdout; Ctrl-C stops at the next token. */
async function streamGeneration(
  model: DecoderModel,
  tokenizer: TextTokenizer,
  request: GenerateRequest,
): Promise<GenerateResult> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    return await generate(model, tokenizer, request, {
      signal: abort.signal,
      onToken: (ev) => {
        if (ev.text) process.stdout.write(ev.text);
      },
    }).catch((e: Error) => {
      // Bad input (prompt too long, template refusing the conversation) reads as a message, not a stack.
      throw e instanceof ChatTemplateError || e.message.startsWith('generate:') ? new CliError(e.message) : e;
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * What a generation should take: the base as stored plus the KV cache generate() allocates (prompt + new tokens)
 * and the head's decode copy (model/decode-head.ts); on wasm the heap that holds them (WASM_HEAP_FACTOR, as
 * training's estimate promises).
 */
function generationEstimate(
  model: DecoderModel,
  quant: QuantMode,
  r: GenerateResult,
  maxNewTokens: number,
  backend: string,
): number {
  const embeddings = model.hostByteSize() > 0 ? 'f16' : 'f32';
  const { vocab, hidden } = model.config;
  const tensors =
    estimateModelBytes(model.config, quant, 64, embeddings) +
    estimateKvCacheBytes(model.config, 1, r.promptTokens + maxNewTokens) +
    decodeHeadCopyBytes(vocab, hidden, quant !== 'f32', backend, embeddings);
  return backend === 'wasm' ? Math.round(WASM_HEAP_FACTOR * tensors) : tensors;
}

function stats(r: GenerateResult): string {
  const perSecond = r.newTokens > 1 && r.decodeMs > 0 ? ((r.newTokens - 1) / r.decodeMs) * 1000 : 0;
  return (
    `[prompt ${r.promptTokens} tokens, prefill ${r.prefillMs.toFixed(0)} ms; ${r.newTokens} new tokens, ` +
    `${perSecond.toFixed(1)} tokens/s; finish: ${r.finishReason}; seed ${r.seed}]\n`
  );
}

export const generateCommand: CliCommand = {
  summary: 'generate text from a prompt (streamed), optionally as a chat turn',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const files = await modelFolderFlag(flags);
    const { mode, factory } = quantFlags(flags, 'int4');
    const adapterSpecs = parseAdapterFlags(flags);
    const request = await buildRequest(flags, files);
    const tokenizer = await loadTokenizer(files).catch((e: Error) => {
      throw new CliError(e.message);
    });
    if (request.messages && !tokenizer.hasChatTemplate) {
      throw new CliError(`${files.label}: this model has no chat template; use plain prompt/completion (drop --chat)`);
    }
    const backend = await initBackendFlag(flags);
    // Memory is measured from before the weights load to the last token (printed with --stats).
    const { result: run, peak } = await withMemoryPeak(async () => {
      const model = await loadModel(files, { linearFactory: factory, onWarning: warn }).catch(asCliError);
      try {
        const adapters = await loadAdapterFlags(adapterSpecs, model);
        try {
          request.hook = adapters?.stack ?? null;
          const result = await streamGeneration(model, tokenizer, request);
          return {
            result,
            estimate: generationEstimate(model, mode, result, request.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS, backend),
          };
        } finally {
          adapters?.dispose();
        }
      } finally {
        model.dispose();
      }
    });
    process.stdout.write('\n');
    if (flags.has('stats')) {
      process.stderr.write(stats(run.result));
      process.stderr.write(
        JSON.stringify({
          memory: true,
          backend,
          peakBytes: backendPeakBytes(backend, peak),
          estimateBytes: run.estimate,
          tensorPeakBytes: peak.tensorBytes,
          gpuAllocatedBytes: peak.gpuAllocatedBytes,
          wasmHeapBytes: wasmHeapBytes(),
        }) + '\n',
      );
    }
    return 0;
  },
};
