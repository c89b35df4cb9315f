import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { convNormAct } from '../../src/blocks/convNormAct.js';
import { blockModel } from '../blocks/blockHarness.js';
import { fitLosses, randomInput } from './harness.js';
await tf.setBackend('cpu');
for (const dropout of [0, 0.1]) {
  const x = randomInput([2, 8, 8, 2], 3);
  const y = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4);
  const model = blockModel((s, d) => convNormAct(s, 3, { spatialDims: d, dropout, seed: 1, name: 'b' + dropout }), 2, 2);
  try { console.log(await fitLosses(model, x, y, 3, 'meanSquaredError', 2e-2)); } catch (e) { console.log(dropout, (e as Error).stack?.split('\n').slice(0, 14).join('\n')); }
}
