import { assertNumber, fail } from './assert.js';
import { createRng, type Rng } from './rng.js';

// Keras layer names end up in weight names and file paths; keep them to a portable alphabet.
const LAYER_NAME = /^[A-Za-z0-9_.\-/]+$/;

/**
 * Asserts `name` is a valid layer-name prefix: a non-empty string of letters, digits, `_`, `.`,
 * `-` or `/` (the prefix of every layer a block or factory creates). Internal helper.
 *
 * @example `assertLayerName('unet', 'options.name', 'enc 1')` throws a `UnetKitError`.
 */
export function assertLayerName(functionName: string, argument: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !LAYER_NAME.test(name)) {
    fail(functionName, argument, name, "a non-empty string of letters, digits, '_', '.', '-' or '/'");
  }
}

/**
 * Validates an optional initializer seed (an integer >= 0) and returns a function drawing the
 * next per-layer seed from it: `undefined` every time when no seed was given, so tfjs draws
 * randomly. Blocks and factories share it so one seed gives one set of weights. Internal helper.
 *
 * @example `const nextSeed = seedSequence('unet', 'options.seed', 42); nextSeed(); // an integer`
 */
export function seedSequence(functionName: string, argument: string, seed: unknown): () => number | undefined {
  if (seed === undefined) return () => undefined;
  assertNumber(functionName, argument, seed, { integer: true, min: 0 });
  const rng: Rng = createRng(seed);
  return () => rng.seed();
}
