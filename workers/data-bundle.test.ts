/**
 * The data worker's bundle holds no tfjs. It only parses, validates and tokenizes; when it imported
 * `LocalEngine` (every handler, the tfjs backends) its chunk was 3.4 MB plus 1.4 MB of lazily loaded tfjs chunks.
 *
 * Built here with the project's own Vite config, from the worker entry, as `vite build` bundles it; every module
 * in every output chunk is listed (`moduleIds`), so a future import that drags tfjs in fails this test by name.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bytes the unminified data worker may take (it is ~0.75 MB: tokenizers, jinja, hyparquet, hub, idb). */
const MAX_BYTES = 1_500_000;

/** The worker's output chunks, built in memory. */
async function buildDataWorker(): Promise<Rolldown.OutputChunk[]> {
  const out = await build({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'silent',
    build: {
      write: false,
      // As the worker build does (vite.config.ts `worker.rolldownOptions`): sizes compare with the real chunk.
      minify: false,
      rollupOptions: { input: path.join(root, 'workers/data.worker.ts') },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Rolldown.RolldownOutput[];
  return outputs.flatMap((o) => o.output).filter((c): c is Rolldown.OutputChunk => c.type === 'chunk');
}

describe('data worker bundle', () => {
  it('contains no @tensorflow module, stays small, and still has the data pipeline', async () => {
    const chunks = await buildDataWorker();
    const modules = chunks.flatMap((c) => c.moduleIds).map((id) => path.relative(root, id));
    const tensorflow = modules.filter(
      (id) => id.includes('@tensorflow/') || id === path.join('src', 'backend', 'tf.ts'),
    );
    expect(tensorflow).toEqual([]);
    // The graph is really the worker's: its pipeline and tokenizer are in it.
    expect(modules).toContain(path.join('src', 'data', 'shard.ts'));
    expect(modules.some((id) => id.includes('@huggingface/tokenizers'))).toBe(true);
    const bytes = chunks.reduce((s, c) => s + Buffer.byteLength(c.code), 0);
    expect(bytes).toBeLessThan(MAX_BYTES);
  });
});
