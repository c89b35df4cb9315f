import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import * as M from '../../src/models/index.js';
await tf.setBackend('cpu');
const configs = {
  d2: { inputShape: [null, null, 1], numClasses: 2 },
  d3: { inputShape: [64, 64, 64, 1], numClasses: 2, spatialDims: 3 },
  paper: { inputShape: [null, null, 1], numClasses: 2, filters: [64, 128, 256, 512, 1024], norm: 'none' },
};
const rows: Record<string, Record<string, number>> = {};
for (const [name, f] of Object.entries(M)) {
  rows[name] = {};
  for (const [c, o] of Object.entries(configs)) {
    const opts = name === 'mobileUNet' && c !== 'd3' ? { ...o, inputShape: c === 'd2' || c === 'paper' ? [256, 256, 1] : o.inputShape } : o;
    const t = Date.now();
    const m = (f as any)(opts); rows[name][c] = m.countParams(); rows[name][c + 'ms'] = Date.now() - t; m.dispose();
  }
}
console.log(JSON.stringify(rows, null, 1));
