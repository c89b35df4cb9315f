// Runs before every test file: register the Node backends the suites use and the gradients
// (importing tfjs-layers registers tfjs-core's gradients).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';

// Silence tfjs' console warnings (the "running in Node" banner) through PROD, not IS_TEST:
// IS_TEST turns on an engine check that misreports custom-gradient ops on wasm as kernel leaks.
tf.env().set('PROD', true);
