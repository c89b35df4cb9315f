import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const i = tf.tensor1d([-3, 2, 7, 20], 'int32');
tf.clipByValue(i, 0, 15).print();
tf.minimum(tf.maximum(i, tf.scalar(0, 'int32')), tf.scalar(15, 'int32')).print();
tf.mod(i, tf.scalar(4, 'int32')).print();
