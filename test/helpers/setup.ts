// Runs before every test file: register the Node backends the suites use and the gradients
// (importing tfjs-layers registers tfjs-core's gradients).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';

// Silence the "running in Node" banner for suites that call tf.setBackend directly.
tf.env().set('IS_TEST', true);
