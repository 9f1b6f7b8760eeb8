/**
 * The one module that imports the tensor runtime. Everything in `src/` takes `tf` from here so that the
 * choice of package (and any future swap to tfjs-core + chosen backends) is made in a single place.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Tensor3D = tf.Tensor3D;
export type Tensor4D = tf.Tensor4D;
