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

export function identityWasmConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
