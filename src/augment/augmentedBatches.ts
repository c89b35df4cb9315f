import * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertInteger, assertKnownKeys, assertNumber, assertOptionsObject, fail } from '../core/assert.js';
import { createRng, type Rng } from '../core/rng.js';
import { permutation } from './random.js';
import { assertSample, type Sample, type Transform } from './types.js';

/** Options of {@link augmentedBatches}. */
export interface AugmentedBatchesOptions {
  /** Samples per batch. */
  batchSize: number;
  /** The augmentation applied to every batch (e.g. {@link nnUNetAugmentation}); none when omitted. */
  transform?: Transform;
  /** Reshuffle the samples every epoch. Default true. */
  shuffle?: boolean;
  /** Drop the last, smaller batch. Default false. */
  dropRemainder?: boolean;
  /** Epochs per iteration; `Infinity` for an endless stream. Default 1. */
  epochs?: number;
  /** Seed of the shuffling and augmentation: the stream repeats run to run. */
  seed?: number;
  /**
   * The generator of the shuffling and augmentation, instead of `seed`. Pass the same one to
   * `checkpoint(dir, { resumable: true, rngs: { data: rng } })` and `restoreTrainingState`, and
   * a resumed run draws the batches it would have drawn uninterrupted.
   */
  rng?: Rng;
}

/** A batch as `model.fitDataset` wants it: inputs `xs`, targets `ys`. */
export interface AugmentedBatch {
  xs: tf.Tensor;
  ys?: tf.Tensor;
}

/**
 * A generator function over augmented batches of an in-memory dataset, ready for
 * `tf.data.generator(fn)` and `model.fitDataset` (from `@tensorflow/tfjs-data` / `@tensorflow/tfjs`),
 * or a plain `for (const { xs, ys } of fn())` loop. Each call starts a new pass (`epochs`
 * epochs); the generator state carries over between calls, so epochs differ but the whole stream
 * repeats with the same seed. Every yielded tensor belongs to the consumer (`fitDataset`
 * disposes them; dispose them yourself in a manual loop); `data` stays yours.
 *
 * @param data - the whole dataset: `image` `[N, ...S, C]` and optional `mask`.
 * @example
 * ```ts
 * const batches = augmentedBatches({ image, mask }, { batchSize: 8, transform: defaultAugmentation({ seed: 1 }), seed: 1 });
 * for (const { xs, ys } of batches()) {
 *   await model.trainOnBatch(xs, ys!); // or model.fitDataset(tf.data.generator(batches)) with @tensorflow/tfjs-data
 *   tf.dispose([xs, ys!]);
 * }
 * ```
 */
export function augmentedBatches(data: Sample, options: AugmentedBatchesOptions): () => Generator<AugmentedBatch> {
  const fn = 'augmentedBatches';
  assertSample(fn, data);
  if (options === undefined) fail(fn, 'options', options, 'an options object with batchSize');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['batchSize', 'transform', 'shuffle', 'dropRemainder', 'epochs', 'seed', 'rng']);
  const { batchSize, transform, shuffle = true, dropRemainder = false, epochs = 1, seed, rng: given } = options;
  const n = data.image.shape[0]!;
  assertInteger(fn, 'options.batchSize', batchSize, { min: 1 });
  if (batchSize > n && dropRemainder) fail(fn, 'options.batchSize', batchSize, `at most the dataset size ${n} when dropRemainder is true`);
  assertBoolean(fn, 'options.shuffle', shuffle);
  assertBoolean(fn, 'options.dropRemainder', dropRemainder);
  if (epochs !== Infinity) assertInteger(fn, 'options.epochs', epochs, { min: 1 });
  if (seed !== undefined) assertNumber(fn, 'options.seed', seed);
  if (given !== undefined && (given === null || typeof given !== 'object' || typeof (given as Partial<Rng>).next !== 'function' || typeof (given as Partial<Rng>).fork !== 'function')) {
    fail(fn, 'options.rng', given, 'a generator from createRng');
  }
  if (given !== undefined && seed !== undefined) fail(fn, 'options.seed', seed, 'undefined when options.rng is given (the generator carries its own seed)');
  if (transform !== undefined && (typeof transform !== 'function' || typeof transform.transformName !== 'string')) {
    fail(fn, 'options.transform', transform, 'a transform such as defaultAugmentation()');
  }
  const rng = given ?? createRng(seed);
  return function* batches(): Generator<AugmentedBatch> {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = shuffle ? permutation(rng, n) : Array.from({ length: n }, (_, i) => i);
      for (let start = 0; start < n; start += batchSize) {
        const rows = order.slice(start, start + batchSize);
        if (rows.length < batchSize && dropRemainder) break;
        const stepRng = rng.fork();
        const batch = tf.tidy(() => {
          const index = tf.tensor1d(rows, 'int32');
          const sample: Sample = { image: tf.gather(data.image, index) };
          if (data.mask) sample.mask = tf.gather(data.mask, index);
          const out = transform ? transform(sample, stepRng) : sample;
          return out.mask === undefined ? { xs: out.image } : { xs: out.image, ys: out.mask };
        }) as AugmentedBatch;
        yield batch;
      }
    }
  };
}
