import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/backend/useBackend.js';
await useBackend('wasm');
const x = tf.reshape(tf.range(0, 24), [2, 6, 2]);
const idx = tf.tensor2d([[0, 5, 1], [2, 2, 3]], [2, 3], 'int32');
tf.gather(x, idx, 1, 1).print();
