// Our wasm SIMD GEMV kernels in the built engine worker (threaded tfjs-wasm: a shared heap, relaxed SIMD in
// Chromium): an int4, an int8 and an nf4 base decode greedily to the same text on wasm (our kernels, in place on the heap;
// int4 with x as 8-bit integers, attention as one op per layer) as on the plain-JS cpu backend (the JS kernels), token
// for token.
import { expect, test } from './fixtures';
import { engineRequest, loadModelFiles, startEngineWorker } from './engine-worker';
import { tinyChatModelFiles } from './tiny-chat-model';

// The tiny random Llama (hidden 32, one layer) loads in a second: the demo's 15 MB took ~30 s per load and backend.
const tinyFiles = () => tinyChatModelFiles().map((f) => ({ name: f.name, base64: f.buffer.toString('base64') }));

test('int4, int8 and nf4 greedy decode on wasm (our SIMD kernels) equals the cpu backend (JS kernels)', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.getByTestId('engine-backend')).toHaveText(/wasm|webgpu/);
  const sampling = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 };
  const texts: Record<string, string> = {};
  for (const backend of ['wasm', 'cpu'] as const) {
    await startEngineWorker(page);
    const report = await engineRequest(page, 'init', { preference: backend });
    expect(report.backend).toBe(backend);
    for (const quant of ['int4', 'int8', 'nf4'] as const) {
      await loadModelFiles(page, 'tiny', tinyFiles(), quant, 'f32');
      const gen = await engineRequest(page, 'generate', {
        prompt: 'Once upon a time',
        sampling,
        maxNewTokens: 10,
        seed: 1,
        use: 'base',
      });
      expect(gen.newTokens).toBeGreaterThan(4);
      texts[`${backend}-${quant}`] = gen.text;
    }
    if (backend === 'wasm') {
      // The kernels really ran there: the threaded build's shared heap, relaxed SIMD in Chromium.
      const worker = page.workers().find((w) => /engine\.worker/.test(w.url()) && w !== page.workers()[0]);
      const marks = await (worker ?? page.workers()[0]).evaluate(() =>
        performance
          .getEntriesByType('mark')
          .map((m) => m.name)
          .filter((n) => n.includes('wasm-gemv') || n.includes('decode-attention') || n.includes('kernel-pool-ready')),
      );
      // With several cores our kernel pools (GEMM and transposes, packed GEMV, packed decode) came up beside the engine, one thread per core:
      // a pool first built inside a generation loop never did (its workers wait for the event loop to turn).
      const cores = await page.evaluate(() => Math.min(8, navigator.hardwareConcurrency));
      // …the int4 decode took x as 8-bit integers (relaxed dot products), and attention ran as one op per layer
      expect([...marks].sort()).toEqual([
        'lora-studio:decode-attention',
        ...(cores > 1 ? [`lora-studio:kernel-pool-ready:3x${cores}`] : []),
        'lora-studio:wasm-gemv:shared-relaxed',
        'lora-studio:wasm-gemv:x8',
      ]);
    }
  }
  expect(texts['wasm-int4']).toBe(texts['cpu-int4']);
  expect(texts['wasm-int8']).toBe(texts['cpu-int8']);
  expect(texts['wasm-nf4']).toBe(texts['cpu-nf4']);
});
