// Augmentation throughput on the wasm backend: 2D 256 x 256 and 3D 64^3 samples per second for
// each transform and both presets, image (1 channel, float32) and mask (int32) together.
// Run: node --import tsx bench/augment.ts  (prints JSON)
import * as tf from '@tensorflow/tfjs-core';
import * as augment from '../src/augment/index.js';
import type { Transform } from '../src/augment/index.js';
import { useBackend } from '../src/backend/useBackend.js';

const backend = process.env.UNET_KIT_BENCH_BACKEND ?? 'wasm';
const minSeconds = Number(process.env.UNET_KIT_BENCH_SECONDS ?? 1.5);

/** The transforms timed with their default options, then the two presets (for the case's spatialDims). */
const TRANSFORMS = [
  'flip',
  'rotate90',
  'affine',
  'elasticDeform',
  'gaussianNoise',
  'gaussianBlur',
  'brightness',
  'contrast',
  'gamma',
  'simulateLowResolution',
  'mixup',
  'cutmix',
] as const;
const PRESETS = ['nnUNetAugmentation', 'defaultAugmentation'] as const;

function transforms(spatialDims: 2 | 3): Array<[string, Transform]> {
  return [
    ...TRANSFORMS.map((name): [string, Transform] => [name, augment[name]()]),
    ...PRESETS.map((name): [string, Transform] => [name, augment[name]({ spatialDims })]),
  ];
}

async function measure(transform: Transform, image: tf.Tensor, mask: tf.Tensor): Promise<number> {
  // One warm-up call (kernel setup), then whole calls until minSeconds have passed.
  const warm = transform({ image, mask }, 0);
  await warm.image.data();
  tf.dispose([warm.image, warm.mask!]);
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000 || calls < 2) {
    const out = transform({ image, mask }, calls + 1);
    await out.image.data();
    await out.mask!.data();
    tf.dispose([out.image, out.mask!]);
    calls++;
  }
  return (calls * image.shape[0]!) / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  await useBackend(backend as 'wasm');
  const cases = [
    { name: '2D 256x256', spatialDims: 2 as const, shape: [8, 256, 256, 1] },
    { name: '3D 64^3', spatialDims: 3 as const, shape: [2, 64, 64, 64, 1] },
  ];
  const results: Record<string, Record<string, number>> = {};
  for (const c of cases) {
    const image = tf.randomUniform(c.shape, 0, 1, 'float32', 1);
    const mask = tf.tidy(() => tf.cast(tf.greater(image, 0.5), 'int32'));
    results[c.name] = {};
    for (const [name, transform] of transforms(c.spatialDims)) {
      const perSecond = await measure(transform, image, mask);
      results[c.name]![name] = Math.round(perSecond * 10) / 10;
      console.error(`${c.name} ${name}: ${perSecond.toFixed(1)} samples/s`);
    }
    tf.dispose([image, mask]);
  }
  console.log(
    JSON.stringify(
      { backend: tf.getBackend(), unit: 'samples per second (image + mask)', batch: { '2D 256x256': 8, '3D 64^3': 2 }, node: process.version, results, tensorsLeft: tf.memory().numTensors },
      null,
      2,
    ),
  );
}

await main();
