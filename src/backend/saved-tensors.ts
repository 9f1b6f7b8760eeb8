/**
 * How tfjs's engine keeps the tensors a gradient needs, made cheap. For every kernel with a gradient it saves the
 * inputs and outputs that gradient reads by `clone`: an Identity kernel run through the whole dispatch (scopes,
 * profiler, a tape node of its own) plus a second tape node for the clone's gradient. A SmolLM2-135M LoRA step
 * saves 3929 tensors that way: 3929 kernel dispatches and 7858 tape nodes that every backward pass then filters
 * (`getFilteredNodesXToY`) — JS on the engine thread, which no second core speeds up.
 *
 * The saved tensors are read only by gradient functions, and in a first-order gradient those run off the tape, so
 * what they need is what every backend's Identity gives them: a new tensor on the same data with one more counted
 * reference. That is what this makes them, without the dispatch and the tape nodes. Nested gradients (a `tf.grad`
 * inside a gradient, where a saved tensor can itself be differentiated) keep tfjs's own clone, as do strings.
 */
import { tf } from './tf';

interface SavedTensorsEngine {
  state: { gradientDepth: number; tensorInfo: WeakMap<object, { backend: tf.KernelBackend }> };
  backend: tf.KernelBackend;
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend?: tf.KernelBackend): tf.Tensor;
  keep<T extends tf.Tensor>(t: T): T;
}

const lightened = new WeakSet<object>();

/** Installs the light save on tfjs's engine (once; a no-op where the engine lacks the methods it replaces). */
export function lightenSavedTensors(): void {
  const engine = tf.engine() as unknown as SavedTensorsEngine;
  if (lightened.has(engine)) return;
  const { saveTensorsForBackwardMode, makeTensorFromTensorInfo, keep } = engine;
  if (typeof saveTensorsForBackwardMode !== 'function' || typeof makeTensorFromTensorInfo !== 'function') return;
  if (typeof keep !== 'function' || typeof engine.state?.tensorInfo?.get !== 'function') return;
  lightened.add(engine);
  const tfjsSave = saveTensorsForBackwardMode.bind(engine);
  engine.saveTensorsForBackwardMode = (tensors) => {
    if (engine.state.gradientDepth > 1 || tensors.some((t) => t.dtype === 'string' || t.dtype === 'complex64')) {
      return tfjsSave(tensors);
    }
    return tensors.map((t) => {
      const backend = engine.state.tensorInfo.get(t.dataId)?.backend ?? engine.backend;
      backend.incRef(t.dataId);
      return engine.keep(
        engine.makeTensorFromTensorInfo({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }, backend),
      );
    });
  };
}
