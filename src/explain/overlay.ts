import * as tf from '@tensorflow/tfjs-core';
import { assertNumber, assertOptions, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { isNode } from '../core/platform.js';
import { isTensor } from '../ops/isTensor.js';

/**
 * An 8-bit RGBA picture, row-major, 4 bytes a pixel: the layout of the browser's `ImageData`
 * (`new ImageData(rgba.data, rgba.width, rgba.height)`) and of pngjs' `PNG.data`.
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Options of {@link camOverlay}. */
export interface CamOverlayOptions {
  /**
   * Weight of the grey-scale image in the blend, in [0, 1]; the heatmap gets `1 - imageWeight`.
   * Default 0.5 (pytorch-grad-cam's `show_cam_on_image`).
   */
  imageWeight?: number;
}

/** matplotlib's `jet` colour map at t in [0, 1] (piecewise linear, dark blue to dark red). */
export function jetColour(t: number): [number, number, number] {
  const channel = (offset: number) => Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - offset)));
  return [channel(3), channel(2), channel(1)].map((c) => Math.round(c * 255)) as [number, number, number];
}

function plane(functionName: string, argument: string, value: unknown): { values: Float32Array; height: number; width: number } {
  if (!isTensor(value)) fail(functionName, argument, value, 'a 2D tensor [H, W] (or [1, H, W, 1], [H, W, 1])');
  const spatial = value.shape.filter((d, i) => !(d === 1 && (i === 0 || i === value.rank - 1) && value.rank > 2));
  if (spatial.length !== 2) {
    throw new UnetKitError(functionName, argument, `has shape ${formatValue(value.shape)}; expected one 2D slice [H, W], [H, W, 1] or [1, H, W, 1] (slice a volume first).`);
  }
  return { values: value.dataSync() as Float32Array, height: spatial[0]!, width: spatial[1]! };
}

/**
 * Blends a class-activation map (from {@link gradCam}) over a grey-scale slice as an RGBA
 * picture: the image min-max scaled to grey, the map (clipped to [0, 1]) through the `jet`
 * colour map, mixed `imageWeight * image + (1 - imageWeight) * heatmap` (pytorch-grad-cam's
 * `show_cam_on_image`). Write it with {@link encodePng} in Node or draw it with
 * {@link toImageData} on a canvas.
 *
 * @param image - The slice, `[H, W]`, `[H, W, 1]` or `[1, H, W, 1]` (any range).
 * @param cam - The map at the same size, values in [0, 1].
 * @param options - `imageWeight` (default 0.5).
 * @returns An {@link RgbaImage} of `H` rows and `W` columns, opaque.
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { camOverlay, encodePng, gradCam } from 'unet-kit/explain';
 *
 * const cam = gradCam(model, image, { layer: 'dec0_act2' }); // image [1, H, W, 1]
 * await writeFile('cam.png', await encodePng(camOverlay(image, cam)));
 * ```
 */
export function camOverlay(image: tf.Tensor, cam: tf.Tensor, options: CamOverlayOptions = {}): RgbaImage {
  assertOptions('camOverlay', options, { imageWeight: (f, a, v) => assertNumber(f, a, v, { min: 0, max: 1 }) });
  const imageWeight = options.imageWeight ?? 0.5;
  const grey = plane('camOverlay', 'image', image);
  const heat = plane('camOverlay', 'cam', cam);
  if (grey.height !== heat.height || grey.width !== heat.width) {
    throw new UnetKitError('camOverlay', 'image and cam', `are ${grey.height}x${grey.width} and ${heat.height}x${heat.width}; expected the same size (gradCam returns maps at input size).`);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grey.values) {
    if (!Number.isFinite(v)) fail('camOverlay', 'image', v, 'finite values only');
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const range = hi > lo ? hi - lo : 1;
  const data = new Uint8ClampedArray(grey.width * grey.height * 4);
  for (let i = 0; i < grey.values.length; i++) {
    const g = ((grey.values[i]! - lo) / range) * 255;
    const t = heat.values[i]!;
    if (!Number.isFinite(t)) fail('camOverlay', 'cam', t, 'finite values only (in [0, 1])');
    const colour = jetColour(Math.max(0, Math.min(1, t)));
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(imageWeight * g + (1 - imageWeight) * colour[c]!);
    data[i * 4 + 3] = 255;
  }
  return { width: grey.width, height: grey.height, data };
}

function assertRgba(functionName: string, picture: unknown): asserts picture is RgbaImage {
  const p = picture as RgbaImage;
  const ok =
    p !== null &&
    typeof p === 'object' &&
    Number.isInteger(p.width) &&
    Number.isInteger(p.height) &&
    p.width > 0 &&
    p.height > 0 &&
    ((p.data as unknown) instanceof Uint8ClampedArray || (p.data as unknown) instanceof Uint8Array) &&
    p.data.length === p.width * p.height * 4;
  if (!ok) fail(functionName, 'picture', picture, 'an RgbaImage { width, height, data } with data.length = width * height * 4');
}

/**
 * Encodes an {@link RgbaImage} as PNG bytes, in Node (through the `pngjs` package, loaded only
 * when called, so browser bundles do not pull it in). Throws a {@link UnetKitError} outside
 * Node: use {@link toImageData} and a canvas there.
 *
 * @example `const png: Uint8Array = await encodePng(camOverlay(x, cam));`, then write it with writeFile from node:fs/promises
 */
export async function encodePng(picture: RgbaImage): Promise<Uint8Array> {
  assertRgba('encodePng', picture);
  if (!isNode()) {
    throw new UnetKitError('encodePng', 'picture', 'needs Node.js (pngjs); in a browser draw toImageData(picture) on a canvas and use canvas.toBlob.');
  }
  // A specifier built at run time: bundlers leave the Node-only package alone.
  const specifier = ['png', 'js'].join('');
  const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as { PNG?: PngClass; default?: { PNG: PngClass } };
  const PNG = module.PNG ?? module.default!.PNG;
  const png = new PNG({ width: picture.width, height: picture.height });
  png.data.set(picture.data);
  return new Uint8Array(PNG.sync.write(png));
}

interface PngClass {
  new (options: { width: number; height: number }): { data: Uint8Array };
  sync: { write(png: { data: Uint8Array }): Uint8Array };
}

/**
 * The browser's `ImageData` of an {@link RgbaImage}, for `ctx.putImageData(toImageData(p), 0, 0)`.
 * Throws a {@link UnetKitError} where `ImageData` does not exist (Node: use {@link encodePng}).
 *
 * @example `canvas.getContext('2d')!.putImageData(toImageData(camOverlay(x, cam)), 0, 0);`
 */
export function toImageData(picture: RgbaImage): ImageData {
  assertRgba('toImageData', picture);
  const ImageDataClass = (globalThis as { ImageData?: typeof ImageData }).ImageData;
  if (ImageDataClass === undefined) {
    throw new UnetKitError('toImageData', 'picture', 'needs the browser ImageData class, which this runtime lacks; in Node use encodePng(picture).');
  }
  const data = picture.data instanceof Uint8ClampedArray ? picture.data : new Uint8ClampedArray(picture.data);
  return new ImageDataClass(data as Uint8ClampedArray<ArrayBuffer>, picture.width, picture.height);
}
