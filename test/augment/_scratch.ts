import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { affine } from '../../src/augment/affine.js';
import { compose } from '../../src/augment/compose.js';
import { flip } from '../../src/augment/flip.js';
import { blobImage, labelsOf } from './helpers.js';
await tf.setBackend('cpu');
for (const [name, t] of [['compose', compose([[affine({ rotation: 30 }), 0.5], [flip(), 1]], { seed: 3 })], ['affine', affine({ rotation: 30 })]] as const) {
  const image = blobImage(6, [16, 16]);
  const mask = labelsOf(image);
  const out = t({ image, mask }, 3);
  const v = out.image.dataSync(); const l = out.mask!.dataSync();
  let bad = 0; let worst = 0;
  v.forEach((x, i) => { const e = (x > 0.35 ? 1 : 0) + (x > 0.7 ? 1 : 0); if (e !== l[i]) { bad++; worst = Math.max(worst, Math.min(Math.abs(x - 0.35), Math.abs(x - 0.7))); } });
  console.log(name, 'mismatches', bad, 'closest distance to threshold among mismatches', worst);
}
