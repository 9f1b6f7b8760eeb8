/**
 * `_FusedMatMul` (matMul + bias + activation, what `tf.fused.matMul` runs) for the wasm backend, wrapping tfjs's
 * own. Stock is fast and correct only on single untransposed matrices (XNNPACK applies bias and clamp). Anything
 * else goes to its scalar loop, which is slow and, in tfjs-backend-wasm 4.22, wrong: it adds the bias and applies
 * the relu/relu6 clamp once per 48-wide block of the shared dimension, so for k > 48 a biased or relu'd product is
 * off by whole units (measured: max error 2.0 with a bias, 4.2 with relu, k = 100). Here:
 * - single matrices with a transpose flag: the flagged operand is copied into place and stock runs the
 *   untransposed product on XNNPACK, bias and activation fused;
 * - batched products: the registered `BatchMatMul` (our override), then the bias `Add` and the activation kernel,
 *   exactly tfjs's unfused definition.
 */
import { tf } from '../tf';
import { withUntransposed } from './swap-last-two';

interface FusedAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation: string;
  leakyreluAlpha?: number;
}

interface FusedInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

/** The wasm kernel `name` (registered when tfjs-backend-wasm was imported). */
function kernel(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm backend has no '${name}' kernel`);
  return config;
}

/** Runs `name` on `inputs`, disposing `consumed` (an intermediate the caller no longer needs). */
function runThenDispose(
  name: string,
  backend: tf.KernelBackend,
  inputs: tf.NamedTensorInfoMap,
  consumed: tf.TensorInfo,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const out = kernel(name).kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
  backend.disposeData(consumed.dataId);
  return out;
}

/** Activation kernels by tfjs's fused activation name (as tfjs-core's `applyActivation`). */
const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

/** Batched fused product as matMul, then bias, then activation. The caller owns the result. */
function unfused(backend: tf.KernelBackend, inputs: FusedInputs, attrs: FusedAttrs): tf.TensorInfo {
  const { a, b, bias, preluActivationWeights } = inputs;
  const matMulAttrs = { transposeA: attrs.transposeA, transposeB: attrs.transposeB };
  let x = kernel('BatchMatMul').kernelFunc({ inputs: { a, b }, backend, attrs: matMulAttrs }) as tf.TensorInfo; // [batch, m, n]
  if (bias) x = runThenDispose('Add', backend, { a: x, b: bias }, x);
  const act = attrs.activation;
  if (act === 'linear') return x;
  const name = ACTIVATION_KERNELS[act];
  if (!name) {
    backend.disposeData(x.dataId);
    throw new Error(`_FusedMatMul: activation '${act}' is not supported`);
  }
  if (act === 'prelu') {
    if (!preluActivationWeights) throw new Error('_FusedMatMul: prelu needs preluActivationWeights');
    return runThenDispose(name, backend, { x, alpha: preluActivationWeights }, x);
  }
  return runThenDispose(name, backend, { x }, x, act === 'leakyrelu' ? { alpha: attrs.leakyreluAlpha ?? 0.2 } : {});
}

/** The override's kernel function over `stock` (tfjs's _FusedMatMul for wasm) and the wasm `transpose` kernel. */
export function fusedMatMulWasm(stock: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as tf.KernelBackend;
    const inputs = args.inputs as unknown as FusedInputs;
    const attrs = args.attrs as unknown as FusedAttrs;
    const { a, b } = inputs;
    const single = a.shape.slice(0, -2).every((d) => d === 1) && b.shape.slice(0, -2).every((d) => d === 1);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || (single && !attrs.transposeA && !attrs.transposeB)) {
      return stock.kernelFunc(args);
    }
    if (!single) return unfused(backend, inputs, attrs);
    const untransposed = { ...attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
    return withUntransposed(
      transpose,
      backend,
      a,
      b,
      attrs.transposeA,
      attrs.transposeB,
      (aT, bT) =>
        stock.kernelFunc({ inputs: { ...args.inputs, a: aT, b: bT }, backend, attrs: untransposed }) as tf.TensorInfo, // [1, m, n]
    );
  };
}

/** Registry entry for `_FusedMatMul` on 'wasm' wrapping `stock`; its setup is stock's. */
export function fusedMatMulWasmConfig(stock: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: '_FusedMatMul',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: fusedMatMulWasm(stock, transpose),
  };
}
