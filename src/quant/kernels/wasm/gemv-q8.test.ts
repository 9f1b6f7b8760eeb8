// The relaxed-SIMD int4 kernels with x as 8-bit integers (gemv-q8-wat.ts). Node 20's V8 has relaxed SIMD behind a
// flag (Chromium ships it); vitest runs each test file in its own process, so turning it on here reaches no other file.
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asGeneration } from '../../../backend/generation-scope';
import { initNodeBackend } from '../../../backend/node';
import { tf } from '../../../backend/tf';
import { dequantize } from '../../dequantize';
import { packedLayout, type GroupSize } from '../../packed';
import { quantize } from '../../quantize';
import { maxRelError, RAGGED_GEMV_SHAPES, randomUniform, randomWeight, refForward } from '../../synthetic';
import { QUANT_MATMUL } from '../names';
import { registerQuantKernels } from '../register';
import {
  gemvKernels,
  prepareXq8,
  q8LanesTable,
  relaxedSimdSupported,
  xq8RowBytes,
  type GemvKernels,
  type Q8KernelName,
} from './gemv-wasm';
import { Q8_GROUP_HEADER_BYTES } from './gemv-q8-wat';
import { kernelsForBackend, wasmGemvSettings } from './wasm-gemv-host';
import { probeQ8DotAdd, useQ8DotAdd } from './q8-dot-add-choice';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const SHAPES = RAGGED_GEMV_SHAPES;

/** x as the kernel sees it: each group's 8-bit codes times the group's scale (what `prepareXq8` rounded x to). */
function roundedX(xq: Int8Array, xscale: Float32Array, inp: number, paddedIn: number, g: number): Float32Array {
  const x = new Float32Array(inp);
  for (let c = 0; c < inp; c++) {
    const group = Math.floor(c / g);
    const within = c % g;
    const block = within - (within % 32);
    const j = (within % 32) >> 1;
    const at = group * (Q8_GROUP_HEADER_BYTES + g) + Q8_GROUP_HEADER_BYTES + block + (within % 2) * 16 + j;
    x[c] = xq[at] * xscale[group];
  }
  void paddedIn;
  return x;
}

/** `rows` rows of x through gemv_int4_q8_g<g>_r<rows> (`lanes`: a 4-row lane-fold kernel, r4l or r4ld) on its own memory; y and the references. */
function runStandalone(
  out: number,
  inp: number,
  g: GroupSize,
  rows: 1 | 2 | 3 | 4,
  seed: number,
  xIn?: Float32Array,
  lanes: false | 'd' | 'r4l' | 'r4ld' = false,
) {
  const packed = quantize(randomWeight(out * inp, seed), [out, inp], 'int4', g);
  const x = xIn ?? randomUniform(rows * inp, seed + 1);
  const l = packedLayout('int4', inp, g);
  const memory = new WebAssembly.Memory({ initial: 64 });
  const k = gemvKernels(memory, 'relaxed');
  const name: Q8KernelName =
    lanes === 'r4l' || lanes === 'r4ld' ? `gemv_int4_q8_g${g}_${lanes}` : `gemv_int4_q8_g${g}_r${rows}${lanes || ''}`;
  const kernel = k?.[name];
  if (!kernel) throw new Error('no relaxed q8 kernel');
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const xStride = xq8RowBytes(l.paddedIn, g);
  const wOff = 16;
  const sOff = align(wOff + packed.words.byteLength);
  const xOff = align(sOff + packed.scales.byteLength);
  const xsOff = align(xOff + rows * xStride);
  const yOff = align(xsOff + rows * l.groupsPerRow * 4);
  const tableOff = align(yOff + rows * out * 4); // the lane-fold kernel's table
  new Uint32Array(memory.buffer, wOff, packed.words.length).set(packed.words);
  new Float32Array(memory.buffer, sOff, packed.scales.length).set(packed.scales);
  const seen = new Float32Array(rows * inp);
  for (let r = 0; r < rows; r++) {
    const at = xOff + r * xStride;
    const xq = new Int8Array(memory.buffer, at, xStride);
    const xscale = new Float32Array(memory.buffer, xsOff + r * l.groupsPerRow * 4, l.groupsPerRow);
    prepareXq8(x, r * inp, inp, xq, new Int32Array(memory.buffer, at, xStride / 4), xscale, l.paddedIn, g);
    seen.set(roundedX(xq, xscale, inp, l.paddedIn, g), r * inp);
  }
  const groupBytes = (g / l.codesPerWord) * 4;
  if (lanes === 'r4l' || lanes === 'r4ld') {
    const heap = { f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer) };
    q8LanesTable(heap, { xqAt: xOff, xStride, xscaleAt: xsOff / 4 }, l.groupsPerRow, g, tableOff);
  }
  kernel(
    wOff,
    sOff,
    xOff,
    yOff,
    out,
    l.rowWords * 4,
    l.groupsPerRow,
    groupBytes,
    lanes === 'r4l' || lanes === 'r4ld' ? tableOff : xsOff,
    xStride,
    l.groupsPerRow * 4,
    out * 4,
  );
  const w = dequantize(packed);
  // The most x's rounding can move y[r, o]: Σ_c |w[o, c]| · half a step of c's group
  const bound = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    const step = Array.from({ length: l.groupsPerRow }, (_, grp) => {
      let max = 0;
      for (let c = grp * g; c < Math.min((grp + 1) * g, inp); c++) max = Math.max(max, Math.abs(x[r * inp + c]));
      return (0.5 * max) / 127;
    });
    for (let o = 0; o < out; o++)
      for (let c = 0; c < inp; c++) bound[r * out + o] += Math.abs(w[o * inp + c]) * step[Math.floor(c / g)];
  }
  return {
    bound,
    y: new Float32Array(memory.buffer, yOff, rows * out).slice(),
    exact: refForward(x, w, rows, inp, out),
    ofRounded: refForward(seen, w, rows, inp, out),
    x,
    seen,
  };
}

describe('int4 GEMV with x as 8-bit integers (relaxed SIMD)', () => {
  it('this engine runs the relaxed build, which exports the kernels', () => {
    expect(relaxedSimdSupported()).toBe(true);
    expect(gemvKernels(new WebAssembly.Memory({ initial: 1 }), 'simd')?.gemv_int4_q8_g64_r1).toBeUndefined();
  });

  for (const rows of [1, 2, 3, 4] as const) {
    it(`${rows} row(s): y = round8(x)·dequant(W)ᵀ to float rounding, within x's rounding bound of x·dequant(W)ᵀ`, () => {
      let seed = 21;
      for (const { out, inp, g } of SHAPES) {
        const { y, exact, ofRounded, bound } = runStandalone(out, inp, g, rows, seed++);
        expect(maxRelError(y, ofRounded)).toBeLessThan(2e-6);
        for (let i = 0; i < y.length; i++)
          expect(Math.abs(y[i] - exact[i])).toBeLessThanOrEqual(bound[i] * 1.001 + 1e-6);
        // Relative to the largest |y|: under 0.5% at 64 outputs, up to 2% at one or a few
        expect(maxRelError(y, exact)).toBeLessThan(3e-2);
      }
    });
  }

  it('4 rows, one fold per group for all 4 (r4l): the same y as the 4-row kernel to float rounding', () => {
    let seed = 41;
    for (const { out, inp, g } of SHAPES) {
      const x = randomUniform(4 * inp, seed + 100);
      const lanes = runStandalone(out, inp, g, 4, seed, x, 'r4l');
      const perRow = runStandalone(out, inp, g, 4, seed++, x);
      expect(maxRelError(lanes.y, lanes.ofRounded)).toBeLessThan(2e-6);
      expect(maxRelError(lanes.y, perRow.y)).toBeLessThan(2e-6);
      for (let i = 0; i < lanes.y.length; i++)
        expect(Math.abs(lanes.y[i] - lanes.exact[i])).toBeLessThanOrEqual(lanes.bound[i] * 1.001 + 1e-6);
    }
  });

  it('the i32 dot-add kernels (r4ld, r1d–r4d): bit for bit their i16 forms where the engine computes the dot-add right, and the probe says which', () => {
    let seed = 61;
    const same = SHAPES.map(({ out, inp, g }) => {
      const x = randomUniform(4 * inp, seed + 100);
      const pairs = [
        [runStandalone(out, inp, g, 4, seed, x, 'r4l'), runStandalone(out, inp, g, 4, seed, x, 'r4ld')],
        ...([1, 2, 3, 4] as const).map((rows) => [
          runStandalone(out, inp, g, rows, seed, x.subarray(0, rows * inp)),
          runStandalone(out, inp, g, rows, seed, x.subarray(0, rows * inp), 'd'),
        ]),
      ];
      seed++;
      return pairs.every(([a, b]) => a.y.every((v, i) => Object.is(v, b.y[i])));
    });
    const probe = probeQ8DotAdd();
    // Where the probe takes the dot-add forms, every one of them equals its i16 form bit for bit. (Node 20's V8
    // doubles the dot-add in its baseline tier only, so here some kernels differ and the probe declines.)
    if (probe.chosen) expect(same).toEqual(SHAPES.map(() => true));
    if (!same.every(Boolean)) expect(probe.chosen).toBe(false);
    expect(!useQ8DotAdd() || probe.exact).toBe(true);
  });

  it('the probe takes r4ld only where its y equals r4l and it runs at least 5% faster', () => {
    const spin = (ms: number) => {
      for (const end = performance.now() + ms; performance.now() < end;);
    };
    type Kernel = (...a: number[]) => void;
    /** The relaxed build on the probe's memory, its two lane kernels replaced by `make(r4l, memory)`'s. */
    const bind =
      (make: (r4l: Kernel, m: WebAssembly.Memory) => { r4l: Kernel; r4ld: Kernel }) => (m: WebAssembly.Memory) => {
        const k = gemvKernels(m, 'relaxed')!;
        const { r4l, r4ld } = make(k.gemv_int4_q8_g64_r4l as Kernel, m);
        return { gemv_int4_q8_g64_r4l: r4l, gemv_int4_q8_g64_r4ld: r4ld } as Partial<GemvKernels>;
      };
    const slowed =
      (f: Kernel): Kernel =>
      (...a) => {
        f(...a);
        spin(0.05);
      };
    expect(probeQ8DotAdd(bind((f) => ({ r4l: slowed(f), r4ld: f }))).chosen).toBe(true);
    expect(probeQ8DotAdd(bind((f) => ({ r4l: f, r4ld: slowed(f) }))).chosen).toBe(false);
    const offByOne =
      (f: Kernel, m: WebAssembly.Memory): Kernel =>
      (...a) => {
        f(...a);
        new Float32Array(m.buffer, a[3], 1)[0] += 1; // one y wrong: a dot-add computed wrong
      };
    expect(probeQ8DotAdd(bind((f, m) => ({ r4l: slowed(f), r4ld: offByOne(f, m) })))).toMatchObject({
      exact: false,
      chosen: false,
    });
    expect(probeQ8DotAdd(() => null)).toMatchObject({ exact: false, chosen: false }); // no relaxed build
  });

  it('x rounds to within half a step of 1/127 of its group’s largest |x|; extreme codes and x are exact', () => {
    // One ±max per group and the extreme codes (−8 and 7, from ±1 spikes in W).
    const inp = 256;
    const x = Float32Array.from({ length: inp }, (_, c) => (c % 37 === 0 ? -3 : (c % 5) - 2 + c / 1000));
    const { y, ofRounded, seen } = runStandalone(7, inp, 64, 1, 5, x);
    for (let g = 0; g < inp / 64; g++) {
      let max = 0;
      for (let c = 64 * g; c < 64 * (g + 1); c++) max = Math.max(max, Math.abs(x[c]));
      for (let c = 64 * g; c < 64 * (g + 1); c++)
        expect(Math.abs(seen[c] - x[c])).toBeLessThanOrEqual((0.5 * max) / 127 + 1e-7);
    }
    expect(maxRelError(y, ofRounded)).toBeLessThan(2e-6);
  });

  it('the SIMD layout kernel writes what prepareXq8 writes (codes within one step at rounding ties), for whole groups', () => {
    for (const [inp, g] of [
      [576, 64],
      [256, 128],
      [96, 32],
    ] as const) {
      const l = packedLayout('int4', inp, g);
      const rowBytes = xq8RowBytes(l.paddedIn, g);
      const memory = new WebAssembly.Memory({ initial: 4 });
      const k = gemvKernels(memory, 'relaxed')!;
      const x = randomUniform(inp, inp + g);
      x[5] = 0;
      const [xOff, simdOff, simdScales] = [64, 64 + 4 * inp + 64, 64 + 4 * inp + 64 + rowBytes + 64];
      new Float32Array(memory.buffer, xOff, inp).set(x);
      k.prepare_x8(xOff, simdOff, simdScales, l.groupsPerRow, g);
      const jsBytes = new ArrayBuffer(rowBytes);
      const jsScales = new Float32Array(l.groupsPerRow);
      prepareXq8(x, 0, inp, new Int8Array(jsBytes), new Int32Array(jsBytes), jsScales, l.paddedIn, g);
      const simdScale = new Float32Array(memory.buffer, simdScales, l.groupsPerRow);
      for (let i = 0; i < l.groupsPerRow; i++)
        expect(Math.abs(simdScale[i] - jsScales[i])).toBeLessThanOrEqual(1e-7 * jsScales[i]);
      const simdCodes = new Int8Array(memory.buffer, simdOff, rowBytes);
      const jsCodes = new Int8Array(jsBytes);
      let differ = 0;
      for (let grp = 0; grp < l.groupsPerRow; grp++) {
        const at = grp * (Q8_GROUP_HEADER_BYTES + g);
        for (let i = at + Q8_GROUP_HEADER_BYTES; i < at + Q8_GROUP_HEADER_BYTES + g; i++) {
          expect(Math.abs(simdCodes[i] - jsCodes[i])).toBeLessThanOrEqual(1);
          if (simdCodes[i] !== jsCodes[i]) differ++;
        }
        // The header: −8 · the codes' sum, as written
        let sum = 0;
        for (let i = at + Q8_GROUP_HEADER_BYTES; i < at + Q8_GROUP_HEADER_BYTES + g; i++) sum += simdCodes[i];
        expect(Array.from(new Int32Array(memory.buffer, simdOff + at, 4))).toEqual([-8 * sum, 0, 0, 0]);
      }
      expect(differ).toBeLessThanOrEqual(2);
    }
  });

  it('a NaN or ∞ in x reaches y, as the exact kernel’s would', () => {
    for (const bad of [NaN, Infinity]) {
      const x = randomUniform(100, 9);
      x[70] = bad;
      const { y } = runStandalone(5, 100, 64, 1, 8, x);
      expect(Array.from(y).every((v) => !Number.isFinite(v))).toBe(true);
    }
  });
});

describe('QuantMatMul on the wasm backend with relaxed SIMD', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
    registerQuantKernels();
  });
  afterAll(() => {
    wasmGemvSettings.int4X8 = true;
    wasmGemvSettings.x8Lanes = true;
  });

  it('a prompt longer than x8MaxRows runs through the 8-bit kernels a chunk of rows at a time: 300 rows equal their three 100-row slices', () => {
    const [out, inp, g] = [40, 192, 64] as const;
    const packed = quantize(randomWeight(out * inp, 90), [out, inp], 'int4', g);
    const l = packedLayout('int4', inp, g);
    const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
    const scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
    const xv = randomUniform(300 * inp, 91);
    const attrs = { mode: 'int4', groupSize: g, inFeatures: inp, outFeatures: out };
    const run = (x: tf.Tensor) => {
      const y = asGeneration(() => tf.engine().runKernel(QUANT_MATMUL, { x, words, scales }, attrs) as tf.Tensor);
      const v = y.dataSync().slice();
      y.dispose();
      return v;
    };
    const [calls, blocks] = [wasmGemvSettings.x8Calls, wasmGemvSettings.x8LaneBlocks];
    const x = tf.tensor2d(xv, [300, inp]);
    const whole = run(x);
    expect(wasmGemvSettings.x8Calls - calls).toBe(1);
    expect(wasmGemvSettings.x8LaneBlocks - blocks).toBe(75);
    for (let k = 0; k < 3; k++) {
      const slice = tf.tensor2d(xv.subarray(k * 100 * inp, (k + 1) * 100 * inp), [100, inp]);
      expect(Array.from(whole.subarray(k * 100 * out, (k + 1) * 100 * out))).toEqual(Array.from(run(slice)));
      slice.dispose();
    }
    expect(maxRelError(whole, refForward(xv, dequantize(packed), 300, inp, out))).toBeLessThan(3e-2);
    tf.dispose([words, scales, x]);
  });

  it('9 rows in generation: the lane-fold kernel on the two blocks of 4, the 1-row kernel on the last; y as with the per-row fold', () => {
    let seed = 80;
    for (const { out, inp, g } of SHAPES) {
      const packed = quantize(randomWeight(out * inp, seed), [out, inp], 'int4', g);
      const l = packedLayout('int4', inp, g);
      const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
      const scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
      const x = tf.tensor2d(randomUniform(9 * inp, seed++ + 1), [9, inp]);
      const attrs = { mode: 'int4', groupSize: g, inFeatures: inp, outFeatures: out };
      const run = (lanes: boolean) => {
        wasmGemvSettings.x8Lanes = lanes;
        const y = asGeneration(() => tf.engine().runKernel(QUANT_MATMUL, { x, words, scales }, attrs) as tf.Tensor);
        const v = y.dataSync().slice();
        y.dispose();
        return v;
      };
      const [calls, blocks] = [wasmGemvSettings.x8Calls, wasmGemvSettings.x8LaneBlocks];
      expect(maxRelError(run(true), run(false))).toBeLessThan(2e-6);
      expect(wasmGemvSettings.x8Calls - calls).toBe(2);
      expect(wasmGemvSettings.x8LaneBlocks - blocks).toBe(2);
      tf.dispose([words, scales, x]);
    }
  });

  for (const [int4X8, inGen] of [
    [true, true],
    [true, false],
    [false, true],
  ] as const) {
    const what = inGen ? (int4X8 ? 'x as 8-bit integers' : 'x as 16-bit integers') : 'x in f32';
    it(`int4 ${inGen ? 'in generation' : 'outside generation'}, int4X8 ${int4X8}: ${what}, in place on tfjs-wasm's heap`, () => {
      wasmGemvSettings.int4X8 = int4X8;
      expect(kernelsForBackend(tf.backend())?.flavour).toBe('relaxed');
      let seed = 60;
      for (const { out, inp, g } of SHAPES) {
        const packed = quantize(randomWeight(out * inp, seed), [out, inp], 'int4', g);
        const m = [1, 3, 4, 7, 5][seed % 5];
        const xv = randomUniform(m * inp, seed++ + 1);
        const l = packedLayout('int4', inp, g);
        const words = tf.tensor2d(new Int32Array(packed.words.buffer), [out, l.rowWords], 'int32');
        const scales = tf.tensor2d(packed.scales, [out, l.groupsPerRow]);
        const x = tf.tensor2d(xv, [m, inp]);
        const attrs = { mode: 'int4', groupSize: g, inFeatures: inp, outFeatures: out };
        const run = () => tf.engine().runKernel(QUANT_MATMUL, { x, words, scales }, attrs) as tf.Tensor;
        const before = wasmGemvSettings.x8Calls;
        const y = inGen ? asGeneration(run) : run();
        expect(wasmGemvSettings.x8Calls - before).toBe(int4X8 && inGen ? 1 : 0);
        const ref = refForward(xv, dequantize(packed), m, inp, out);
        expect(maxRelError(y.dataSync(), ref)).toBeLessThan(int4X8 && inGen ? 3e-2 : 3e-5);
        tf.dispose([words, scales, x, y]);
      }
    });
  }
});
