import { assertInteger } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';

// Geometry of the valid-padding U-Net (Ronneberger et al. 2015, Fig. 1): every 3x3 conv without
// padding removes one position per side, a level block of c convs removes c, a 2x2 max-pool
// halves and a 2x2 up-conv doubles. Writing s_k for the size entering level k, the encoder needs
// s_k - 2c even before each pooling, s_{k+1} = (s_k - 2c) / 2, which for all k at once is
// (s_0 + 2c) divisible by 2^depth. The decoder loses a fixed margin per side,
// m_depth = c and m_k = 2c + 2 m_{k+1}, i.e. m_0 = c (3 * 2^depth - 2): 92 for the paper's
// depth 4 and c = 2, so 572 -> 572 - 2 * 92 = 388.

function checkGeometry(fn: string, depth: unknown, convsPerLevel: unknown): void {
  assertInteger(fn, 'depth', depth, { min: 1 });
  assertInteger(fn, 'convsPerLevel', convsPerLevel, { min: 1 });
}

/** Per-side margin lost between the input of level `level` and the decoder's output there. */
export function levelMargin(level: number, depth: number, convsPerLevel: number): number {
  return convsPerLevel * (3 * 2 ** (depth - level) - 2);
}

/**
 * The context a valid-padding {@link unet} consumes on each side of every axis: the output is
 * the input minus `2 * unetMargin(...)` (and, with overlap-tile inference, the mirrored border
 * each tile needs). Formula: `c * (3 * 2^depth - 2)` for `c` convs per level.
 *
 * @param depth - number of poolings, `filters.length - 1` (4 for the paper's 5 levels).
 * @param convsPerLevel - 3x3 convs per level block. Default 2.
 * @example `unetMargin(4)` is 92 (572 in, 388 out).
 */
export function unetMargin(depth: number, convsPerLevel = 2): number {
  checkGeometry('unetMargin', depth, convsPerLevel);
  return levelMargin(0, depth, convsPerLevel);
}

function isValid(size: number, depth: number, convsPerLevel: number): boolean {
  return (size + 2 * convsPerLevel) % 2 ** depth === 0 && size > 2 * levelMargin(0, depth, convsPerLevel);
}

/** The smallest valid input size (the output is then the smallest positive one it can be). */
function smallestValid(depth: number, convsPerLevel: number): number {
  const step = 2 ** depth;
  const least = 2 * levelMargin(0, depth, convsPerLevel) + 1;
  const offset = (((least + 2 * convsPerLevel) % step) + step) % step;
  return offset === 0 ? least : least + step - offset;
}

/**
 * The input sizes nearest to `inputSize` that a `padding: 'valid'` {@link unet} accepts along
 * one axis: `[inputSize]` when it is valid, else the valid size below (when there is one) and
 * the one above, ascending. Valid means every level's size is even before its 2x2 pooling and
 * the output is at least 1: `(inputSize + 2c)` divisible by `2^depth` and `inputSize > 2 m`
 * ({@link unetMargin}); consecutive valid sizes are `2^depth` apart.
 *
 * @param inputSize - a spatial size (a positive integer).
 * @param depth - number of poolings, `filters.length - 1`.
 * @param convsPerLevel - 3x3 convs per level block. Default 2.
 * @example `validUNetSizes(572, 4)` is `[572]`; `validUNetSizes(570, 4)` is `[556, 572]`; `validUNetSizes(100, 4)` is `[188]`.
 */
export function validUNetSizes(inputSize: number, depth: number, convsPerLevel = 2): number[] {
  const fn = 'validUNetSizes';
  assertInteger(fn, 'inputSize', inputSize, { min: 1 });
  checkGeometry(fn, depth, convsPerLevel);
  if (isValid(inputSize, depth, convsPerLevel)) return [inputSize];
  const step = 2 ** depth;
  const smallest = smallestValid(depth, convsPerLevel);
  if (inputSize < smallest) return [smallest];
  const below = inputSize - ((inputSize - smallest) % step);
  return [below, below + step];
}

/**
 * The output size of a `padding: 'valid'` {@link unet} for `inputSize` along one axis:
 * `inputSize - 2 * unetMargin(depth, convsPerLevel)` (572 -> 388 for the paper's net).
 * Throws, naming the nearest valid sizes, when `inputSize` is not valid.
 *
 * @param inputSize - a spatial size of the input.
 * @param depth - number of poolings, `filters.length - 1`.
 * @param convsPerLevel - 3x3 convs per level block. Default 2.
 * @example `unetOutputSize(572, 4)` is 388; `unetOutputSize(44, 2)` is 4.
 */
export function unetOutputSize(inputSize: number, depth: number, convsPerLevel = 2): number {
  const fn = 'unetOutputSize';
  assertInteger(fn, 'inputSize', inputSize, { min: 1 });
  checkGeometry(fn, depth, convsPerLevel);
  if (!isValid(inputSize, depth, convsPerLevel)) {
    throw new UnetKitError(fn, 'inputSize', `is ${inputSize}; ${invalidSizeReason(inputSize, depth, convsPerLevel)}`);
  }
  return inputSize - 2 * levelMargin(0, depth, convsPerLevel);
}

/**
 * Why `size` is not a valid input size and which sizes are, as the end of an error message.
 * Internal helper shared with the factory's input-shape check.
 */
export function invalidSizeReason(size: number, depth: number, convsPerLevel: number): string {
  const nearest = validUNetSizes(size, depth, convsPerLevel);
  const outputs = nearest.map((s) => s - 2 * levelMargin(0, depth, convsPerLevel));
  return (
    `with padding 'valid', ${depth} poolings and ${convsPerLevel} unpadded 3x3 convs per level, every level's size must be even before its pooling ` +
    `and the output positive; nearest valid: ${nearest.join(' or ')} (output ${outputs.join(' or ')}; see validUNetSizes and unetOutputSize).`
  );
}
