/**
 * Suite 6 — data: throughput of D's `prepareDataset` on a generated chat JSONL (`generateSyntheticJsonl`, 100 MB;
 * --quick 10 MB), read from a Blob as a dropped file is: validation only (no tokenizer, what `data check` does)
 * and validation + chat-template rendering + tokenization with a real tokenizer (Qwen3's 151k BPE), with the
 * memory the run peaked at (JS heap sampled while it streams).
 */
import { prepareDataset } from '../../src/data/prepare';
import { generateSyntheticJsonl } from '../../src/data/synthetic';
import { createTokenizer, type TextTokenizer } from '../../src/tokenizer';
import { exact, figure, rate, type SuiteContext } from '../core/context';
import { summarize } from '../core/stats';

const MB = 1e6;

/** The whole synthetic file as a Blob (kept out of the JS heap by the browser, as a dropped File is). */
export function syntheticBlob(bytes: number, seed: number): Blob {
  const chunks: Uint8Array[] = [];
  const gen = generateSyntheticJsonl(bytes, seed, 'chat');
  for (let r = gen.next(); !r.done; r = gen.next()) chunks.push(r.value);
  return new Blob(chunks as BlobPart[], { type: 'application/jsonl' });
}

interface DataRun {
  ms: number;
  examples: number;
  tokens: number;
  peakHeap: number | null;
  /** Peak minus the level just before the run. */
  heapGrowth: number | null;
}

async function prepareOnce(ctx: SuiteContext, blob: Blob, tok: TextTokenizer | null): Promise<DataRun> {
  const live = ctx.host.heapTiming === 'live';
  const heapSamples: Promise<number | null>[] = [ctx.heapBytes()];
  let nextSampleAt = live ? 0 : Infinity;
  const t0 = performance.now();
  const result = await prepareDataset(
    [{ name: 'synthetic.jsonl', blob }],
    tok,
    { policy: 'fail', maxSeqLen: 4096, shuffle: false },
    {
      onProgress(p) {
        if (p.bytesRead < nextSampleAt) return;
        nextSampleAt = p.bytesRead + blob.size / 12; // about a dozen samples per run
        heapSamples.push(ctx.heapBytes());
      },
    },
  );
  const ms = performance.now() - t0;
  // Measured while `result` (every tokenized example) is still referenced.
  heapSamples.push(ctx.heapBytes());
  if (!result.ok)
    throw new Error(`prepareDataset reported ${result.problemCount} problem(s): ${result.problems[0]?.message ?? ''}`);
  const samples = await Promise.all(heapSamples);
  const heaps = samples.filter((h): h is number => h !== null);
  const tokens = result.train.reduce((n, e) => n + e.ids.length, 0);
  const peakHeap = heaps.length > 0 ? Math.max(...heaps) : null;
  const heapGrowth = live && peakHeap !== null && samples[0] !== null ? peakHeap - samples[0] : null;
  return { ms, examples: result.stats.records, tokens, peakHeap, heapGrowth };
}

/** `blob` cut after its last newline, so a byte prefix of a JSONL stays valid JSONL. */
async function wholeLines(blob: Blob): Promise<Blob> {
  const tail = new Uint8Array(await blob.slice(Math.max(0, blob.size - (1 << 16))).arrayBuffer());
  const lastNl = tail.lastIndexOf(10);
  return blob.slice(0, blob.size - tail.length + lastNl + 1);
}

async function measure(ctx: SuiteContext, blob: Blob, tok: TextTokenizer | null, warm: Blob): Promise<DataRun[]> {
  await prepareOnce(ctx, warm, tok); // warm-up: JIT, tokenizer caches
  const runs: DataRun[] = [];
  for (let i = 0; i < 2; i++) runs.push(await prepareOnce(ctx, blob, tok));
  return runs;
}

function report(ctx: SuiteContext, key: string, what: string, runs: DataRun[], bytes: number): void {
  const heapWhat =
    ctx.host.heapTiming === 'live'
      ? 'peak JS memory (sampled while streaming)'
      : 'JS memory of page + worker right after the run, result held';
  const ms = runs.map((r) => r.ms);
  ctx.report(figure('data', `data/${key}/mb-per-s`, `${what}: throughput`, 'MB/s', rate(ms, bytes / MB), true));
  if (runs[0].tokens > 0)
    ctx.report(
      figure('data', `data/${key}/tokens-per-s`, `${what}: tokens/s`, 'tok/s', rate(ms, runs[0].tokens), true),
    );
  const heaps = runs.map((r) => r.peakHeap).filter((h): h is number => h !== null);
  const growth = runs.map((r) => r.heapGrowth).filter((h): h is number => h !== null);
  if (heaps.length > 0)
    ctx.report(figure('data', `data/${key}/peak-heap`, `${what}: ${heapWhat}`, 'B', summarize(heaps), false));
  else ctx.skip('data', `${what}: peak memory`, 'the host exposes no heap size');
  if (growth.length > 0)
    ctx.report(
      figure(
        'data',
        `data/${key}/heap-growth`,
        `${what}: peak JS memory above the level before the run`,
        'B',
        summarize(growth),
        false,
      ),
    );
}

/**
 * Bytes tokenized per run. Tokenizing runs at ~0.2 MB/s on this machine (2 shared cores), so the full 100 MB would
 * cost ~8 minutes per run; throughput is per byte, so a 20 MB prefix of the same generator measures the same rate.
 */
export function tokenizeBytes(quick: boolean): number {
  return (quick ? 2 : 20) * MB;
}

export async function runDataSuite(ctx: SuiteContext): Promise<void> {
  const bytes = (ctx.opts.quick ? 10 : 100) * MB;
  const blob = syntheticBlob(bytes, 42);
  const tokBlob = blob.slice(0, tokenizeBytes(ctx.opts.quick));
  const warm = syntheticBlob(1 * MB, 7);
  ctx.log(`data: ${(blob.size / MB).toFixed(1)} MB synthetic chat JSONL`);
  ctx.report(
    figure(
      'data',
      'data/input-bytes',
      'input: synthetic chat JSONL (generateSyntheticJsonl)',
      'B',
      exact(blob.size),
      true,
    ),
  );
  report(ctx, 'validate', 'parse + validate (no tokenizer)', await measure(ctx, blob, null, warm), blob.size);
  const files = await ctx.host.tokenizerFiles();
  const tok = createTokenizer(files.tokenizerJson, files.tokenizerConfig, undefined, { label: files.label });
  const tokInput = await wholeLines(tokBlob);
  const runs = await measure(ctx, tokInput, tok, warm);
  ctx.skip(
    'data',
    `tokenization of all ${(blob.size / MB).toFixed(0)} MB`,
    `tokenized the first ${(tokInput.size / MB).toFixed(1)} MB per run (rate per byte is the same; the whole file would take minutes per run)`,
  );
  ctx.report(figure('data', 'data/examples', 'examples produced', 'examples', exact(runs[0].examples), true));
  ctx.report(figure('data', 'data/tokens', `tokens produced (${files.label})`, 'tokens', exact(runs[0].tokens), true));
  report(ctx, 'tokenize', `parse + chat template + tokenize (${files.label})`, runs, tokInput.size);
}
