import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
await tf.setBackend('wasm');
const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
const ids = () => (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
const g0 = tf.grad((v: tf.Tensor) => tf.sum(tf.logSoftmax(v)))(x); g0.dispose();
const before = ids();
for (let i = 0; i < 100; i++) { const g = tf.grad((v: tf.Tensor) => tf.sum(tf.logSoftmax(v)))(x); g.dispose(); }
console.log('data ids before/after 100 grads', before, ids(), 'tensors', tf.memory().numTensors);
