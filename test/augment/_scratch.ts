import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as A from '../../src/augment/index.js';
tf.env().set('IS_TEST', true);
for (const b of ['cpu', 'wasm']) {
  await tf.setBackend(b);
  for (const shape of [[2, 16, 16, 1], [2, 8, 8, 8, 1]]) {
    const image = tf.randomUniform(shape, 0, 1, 'float32', 1);
    const mask = tf.cast(tf.greater(image, 0.5), 'int32');
    const before = tf.memory().numTensors;
    const ts: A.Transform[] = [A.affine(), A.elasticDeform(), A.flip(), A.rotate90(), A.randomCrop(shape.slice(1, -1).map(() => 4)), A.foregroundCrop(shape.slice(1, -1).map(() => 4)),
      A.gaussianNoise(), A.gaussianBlur(), A.brightness(), A.contrast(), A.gamma({ invert: true }), A.simulateLowResolution(), A.mixup(), A.cutmix(), A.nnUNetAugmentation({ spatialDims: shape.length === 4 ? 2 : 3, seed: 1 }), A.defaultAugmentation()];
    for (const t of ts) {
      const t0 = performance.now();
      const out = t({ image, mask }, 3);
      const vals = await out.image.data();
      const mvals = out.mask ? Array.from(new Set(await out.mask.data())) : [];
      console.log(b, shape.length, t.transformName, out.image.shape.join('x'), (performance.now() - t0).toFixed(1), 'ms', Number.isFinite(vals.reduce((a, v) => a + v, 0)), mvals.slice(0, 5));
      tf.dispose([out.image, out.mask!]);
    }
    console.log('leak', tf.memory().numTensors - before);
    tf.dispose([image, mask]);
  }
}
