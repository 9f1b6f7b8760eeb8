/**
 * The WGSL kernels against the plain-JS reference, on tfjs's webgpu backend in Node (Dawn + SwiftShader, ~1
 * GFLOP/s: tiny shapes). Shapes are off every tile (GEMV 8 rows × 32 lanes; tiled 32×64×32; GEMV-T 64 words)
 * and every group size; M ≤ 8 runs the GEMV program forward, M = 1 the column GEMV backward, larger M the
 * tiled ones (a software adapter's barrier-free programs for M ≤ 8 are forced on in tests of their own). Workgroup memory is not
 * zero-initialized here (see `DawnOptions`), so a kernel reading a tile element it never wrote would fail.
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { forceSoftwareAdapterKernels } from '../backend/adapter-kind';
import { tf } from '../backend/tf';
import { assertFitsDevice } from './device-limits';
import { PACKED_MODES, type GroupSize } from './packed';
import { QuantLinear } from '../model/quant-linear';
import { quantize } from './quantize';
import { randomWeight } from './synthetic';
import { initDawnWebGpu } from './webgpu-dawn.node.js';
import { checkPackedLinear, expectNoLeakAcrossApplyAndGrad } from '../test-utils/packed-linear-check';

// Every mode runs every program variant: GEMV (R = 1, 2, 4, 8 rows) and tiled forward, with and without bias,
// vec4-aligned and scalar x loads, column-GEMV and tiled input gradient; all three group sizes; M = 1, 2, 3, 8
// (GEMV), 17 and 40 (tiled; 40 gives 2 × 2 output tiles).
const CASES: { out: number; inp: number; g: GroupSize; rows: number[]; bias: boolean }[] = [
  { out: 17, inp: 33, g: 32, rows: [1, 2, 17], bias: false }, // x not vec4-aligned, in and out off every tile
  { out: 40, inp: 72, g: 64, rows: [1, 3, 17], bias: true },
  { out: 80, inp: 96, g: 128, rows: [1, 40], bias: false },
  { out: 9, inp: 520, g: 64, rows: [1, 8, 17], bias: true }, // several GEMV-T workgroups (int8: 132 words > 64)
];

describe('quant WGSL kernels (webgpu via Dawn)', () => {
  beforeAll(async () => {
    const adapter = await initDawnWebGpu({ skipWorkgroupZeroInit: true });
    expect(tf.getBackend(), `webgpu backend did not start on ${adapter}`).toBe('webgpu');
  }, 120_000);

  afterEach(() => forceSoftwareAdapterKernels(null));

  for (const mode of PACKED_MODES) {
    it(`${mode}: forward (GEMV, tiled) and input gradient (column GEMV, tiled) match the reference`, async () => {
      forceSoftwareAdapterKernels(false);
      let seed = 100;
      for (const c of CASES) for (const m of c.rows) await checkPackedLinear(mode, c, m, seed++, c.bias);
    }, 120_000);

    it(`${mode}: the software adapter's barrier-free programs (M ≤ 8, both directions) match the reference`, async () => {
      forceSoftwareAdapterKernels(true);
      const backend = tf.backend() as WebGPUBackend;
      const spy = vi.spyOn(backend, 'runWebGPUProgram');
      let seed = 200;
      for (const c of CASES) for (const m of c.rows) await checkPackedLinear(mode, c, m, seed++, c.bias);
      const keys = spy.mock.calls.map((call) => (call[0] as WebGPUProgram).shaderKey);
      spy.mockRestore();
      expect(keys.some((k) => k.startsWith(`lsQuantRows_${mode}_`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`lsQuantRowsT_${mode}_`))).toBe(true);
      expect(keys.some((k) => k.startsWith('lsQuantGemv'))).toBe(false);
    }, 120_000);
  }

  it('leaves no tensors behind', () => {
    expectNoLeakAcrossApplyAndGrad(
      new QuantLinear(quantize(randomWeight(20 * 40, 1), [20, 40], 'nf4', 32), null),
      4,
      40,
    );
  });

  it('refuses a packed buffer larger than the device can bind, naming the weight', () => {
    expect(() => assertFitsDevice(2 ** 40, 'packed int4 weight [1, 2]')).toThrow(
      /packed int4 weight \[1, 2\] needs .*maxStorageBufferBindingSize/,
    );
    expect(() => assertFitsDevice(1024, 'small')).not.toThrow();
  });
});
