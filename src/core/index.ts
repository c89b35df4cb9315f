/**
 * The floor every module stands on, public part: the one error class, the seedable random
 * generator, the output-activation vocabulary and the platform check. Assertion helpers,
 * formatting and the other internals stay private (import paths inside `src/core`).
 * @module unet-kit (core)
 */
export { UnetKitError } from './errors.js';
export { createRng } from './rng.js';
export type { Rng, RngState } from './rng.js';
export { OUTPUT_ACTIVATIONS } from './outputActivation.js';
export type { OutputActivation } from './outputActivation.js';
export { isNode } from './platform.js';
