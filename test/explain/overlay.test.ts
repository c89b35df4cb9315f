import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { camOverlay, encodePng, jetColour, toImageData } from '../../src/explain/overlay.js';
import { expectNoLeak } from '../helpers/leaks.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('jetColour', () => {
  it("is matplotlib's jet at its knots: dark blue, cyan, green-white middle, yellow, dark red", () => {
    expect(jetColour(0)).toEqual([0, 0, 128]);
    expect(jetColour(0.375)).toEqual([0, 255, 255]);
    expect(jetColour(0.5)).toEqual([128, 255, 128]);
    expect(jetColour(0.625)).toEqual([255, 255, 0]);
    expect(jetColour(1)).toEqual([128, 0, 0]);
  });
});

describe('camOverlay', () => {
  it('blends the min-max scaled grey image with the jet heatmap, pixel by pixel', async () => {
    // image 2..4 -> grey 0, 127.5, 255; cam 0, 0.5, 1
    const image = tf.tensor([2, 3, 4, 4], [1, 2, 2, 1]);
    const cam = tf.tensor([0, 0.5, 1, 2], [2, 2]);
    const picture = await expectNoLeak(() => camOverlay(image, cam));
    expect(picture.width).toBe(2);
    expect(picture.height).toBe(2);
    const expected = [
      [0, 0, 64, 255], // 0.5 * 0 + 0.5 * [0, 0, 128]
      [128, 191, 128, 255], // 0.5 * 127.5 + 0.5 * [128, 255, 128]
      [192, 128, 128, 255], // 0.5 * 255 + 0.5 * [128, 0, 0], rounded half up
      [192, 128, 128, 255], // cam clipped to 1
    ].flat();
    expect(Array.from(picture.data)).toEqual(expected);
    const greyOnly = camOverlay(image, cam, { imageWeight: 1 });
    expect(Array.from(greyOnly.data.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255, 255]);
    tf.dispose([image, cam]);
  });

  it('rejects mismatched sizes, volumes and bad weights', () => {
    const a = tf.zeros([4, 4]);
    const b = tf.zeros([4, 5]);
    const v = tf.zeros([4, 4, 4]);
    expect(() => camOverlay(a, b)).toThrow(/camOverlay: image and cam are 4x4 and 4x5; expected the same size/);
    expect(() => camOverlay(v, a)).toThrow(/camOverlay: image has shape \[4, 4, 4\]; expected one 2D slice/);
    expect(() => camOverlay(a, a, { imageWeight: 2 })).toThrow(UnetKitError);
    expect(() => camOverlay(a, 'x' as never)).toThrow(/camOverlay: cam is 'x'; expected a 2D tensor/);
    tf.dispose([a, b, v]);
  });
});

describe('encodePng / toImageData', () => {
  it('encodes a PNG that pngjs reads back to the same pixels', async () => {
    const data = new Uint8ClampedArray(3 * 2 * 4).map((_, i) => (i * 37) % 256);
    const bytes = await encodePng({ width: 3, height: 2, data });
    expect(Array.from(bytes.slice(1, 4))).toEqual([80, 78, 71]); // 'PNG'
    const back = PNG.sync.read(Buffer.from(bytes));
    expect([back.width, back.height]).toEqual([3, 2]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('rejects malformed pictures, and toImageData says to use encodePng where ImageData is missing', async () => {
    await expect(encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(3) })).rejects.toThrow(/encodePng: picture is .*; expected an RgbaImage/);
    const picture = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
    if (typeof (globalThis as { ImageData?: unknown }).ImageData === 'undefined') {
      expect(() => toImageData(picture)).toThrow(/toImageData: picture needs the browser ImageData class.* use encodePng/);
    } else {
      expect(toImageData(picture).width).toBe(1);
    }
  });
});
