import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertOptionsObject, assertProbability, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { createRng } from '../core/rng.js';
import { assertSample, toRng, type Sample, type SeedLike, type Transform } from './types.js';

/** A step of {@link compose}: a transform (always applied) or `[transform, probability]`. */
export type ComposeStep = Transform | readonly [Transform, number];

/** Options of {@link compose}. */
export interface ComposeOptions {
  /** Seed of the pipeline's generator (used when a call passes no seed): runs repeat. */
  seed?: number;
}

function isTransform(value: unknown): value is Transform {
  return typeof value === 'function' && typeof (value as Transform).transformName === 'string';
}

function cat(kept: tf.Tensor, rest: tf.Tensor): tf.Tensor {
  return tf.concat([kept, rest.dtype === kept.dtype ? rest : tf.cast(rest, kept.dtype)], 0);
}

/**
 * Chains transforms, each applied to each sample of the batch with its probability (drawn per
 * sample, as nnU-Net and MONAI's `Rand*` transforms do): the chosen samples are gathered,
 * transformed together and put back in place. Steps with probability below 1 must keep the
 * shape (not crops). All randomness flows from one seeded generator, so the same seed gives the
 * same output, bit for bit; intermediate tensors are freed.
 *
 * @example
 * ```ts
 * const augment = compose([[affine({ rotation: 15 }), 0.5], [flip(), 1], [gaussianNoise({ std: 0.01 }), 0.2]], { seed: 42 });
 * const out = augment({ image, mask }); // out.image, out.mask
 * ```
 */
export function compose(steps: readonly ComposeStep[], options: ComposeOptions = {}): Transform {
  const fn = 'compose';
  if (!Array.isArray(steps) || steps.length === 0) fail(fn, 'steps', steps, 'a non-empty array of transforms or [transform, probability] pairs');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['seed']);
  if (options.seed !== undefined) assertNumber(fn, 'options.seed', options.seed);
  const resolved = steps.map((step, i): [Transform, number] => {
    const [transform, probability] = Array.isArray(step) ? step : [step, 1];
    if (!isTransform(transform)) fail(fn, `steps[${i}]`, step, 'a transform (e.g. flip()) or [transform, probability]');
    assertProbability(fn, `steps[${i}] probability`, probability);
    return [transform, probability];
  });
  const own = createRng(options.seed);
  const call = (sample: Sample, seed?: SeedLike): Sample => {
    assertSample(fn, sample);
    const rng = toRng(seed, own, fn);
    return tf.tidy(() => {
      let current: Sample = sample;
      for (const [transform, probability] of resolved) {
        const n = current.image.shape[0]!;
        const active = probability >= 1 ? new Array<boolean>(n).fill(true) : Array.from({ length: n }, () => rng.bernoulli(probability));
        const stepRng = rng.fork();
        const chosen = active.flatMap((a, i) => (a ? [i] : []));
        if (chosen.length === 0) continue;
        if (chosen.length === n) {
          current = transform(current, stepRng);
          continue;
        }
        const rest = active.flatMap((a, i) => (a ? [] : [i]));
        const chosenIndex = tf.tensor1d(chosen, 'int32');
        const restIndex = tf.tensor1d(rest, 'int32');
        const sub: Sample = { image: tf.gather(current.image, chosenIndex) };
        if (current.mask) sub.mask = tf.gather(current.mask, chosenIndex);
        const out = transform(sub, stepRng);
        const sameShape = (a: tf.Tensor, b: tf.Tensor | undefined): boolean => b !== undefined && a.shape.every((d, i) => d === b.shape[i]);
        if (!sameShape(sub.image, out.image) || (sub.mask && !sameShape(sub.mask, out.mask))) {
          throw new UnetKitError(
            fn,
            'steps',
            `contain ${transform.transformName} with probability ${formatValue(probability)}, but it changed the shape ${formatValue(sub.image.shape)} -> ${formatValue(out.image.shape)}; shape-changing transforms (crops) need probability 1.`,
          );
        }
        // Row j of [chosen..., rest...] goes back to position order[j].
        const order = [...chosen, ...rest];
        const inverse = new Array<number>(n);
        order.forEach((row, j) => (inverse[row] = j));
        const back = tf.tensor1d(inverse, 'int32');
        const next: Sample = { image: tf.gather(cat(out.image, tf.gather(current.image, restIndex)), back) };
        if (current.mask && out.mask) next.mask = tf.gather(cat(out.mask, tf.gather(current.mask, restIndex)), back);
        current = next;
      }
      const image = current.image === sample.image ? tf.clone(current.image) : current.image;
      if (current.mask === undefined) return { image };
      return { image, mask: current.mask === sample.mask ? tf.clone(current.mask) : current.mask };
    }) as Sample;
  };
  return Object.assign(call, {
    transformName: 'compose',
    preservesShape: resolved.every(([t]) => t.preservesShape),
  });
}
