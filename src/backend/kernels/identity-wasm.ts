/**
 * `Identity` for the wasm backend without a copy. tfjs's engine clones (runs Identity on) every input and output it
 * saves for a gradient, and tfjs-backend-wasm 4.22's Identity copies the whole tensor into a new heap buffer, where
 * the cpu and WebGPU backends share the data and count a reference. A SmolLM2-135M LoRA step made 3929 such copies
 * (59 ms of a 2.5 s step, and a second copy of every saved activation in the heap). Tensors are immutable, so the
 * clone shares x's buffer as the stock Reshape does. Our own in-place writes (the KV cache's spare rows in
 * decode-attention-wasm.ts) go only to buffers their op allocated. Strings keep the stock kernel.
 */
import { tf } from '../tf';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** x's buffer under a new tensor, one more reference counted. */
function shared(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function identityWasmConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => ((args.inputs.x as tf.TensorInfo).dtype === 'string' ? stock.kernelFunc(args) : shared(args)),
  };
}

/**
 * `Cast` to the dtype x already has, without a copy (tfjs-backend-wasm copies): tfjs's own gradients cast their
 * saved inputs to float32 (Multiply's, for one), 931 copies per SmolLM2-135M LoRA step. Other casts: the stock kernel.
 */
export function castWasmConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const same = x.dtype === (args.attrs as { dtype?: string } | undefined)?.dtype && x.dtype !== 'string';
      return same ? shared(args) : stock.kernelFunc(args);
    },
  };
}
