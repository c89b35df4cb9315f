import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { doubleConv } from '../../src/blocks/doubleConv.js';
import { describeBlock, tinySpatial } from './blockHarness.js';

describeBlock('doubleConv', {
  channels: 2,
  build: (x, spatialDims) => doubleConv(x, 4, { spatialDims, midFilters: 3, seed: 1, name: 'b' }),
  names: () => ['b_conv1', 'b_norm1', 'b_act1', 'b_conv2', 'b_norm2', 'b_act2'],
  outputShape: (d) => [...tinySpatial(d), 4],
});

describe('doubleConv options', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('uses midFilters for all but the last of `convs` convs; counts match the closed form', () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    const y = doubleConv(x, 4, { midFilters: 3, convs: 3, norm: 'none', name: 'd' });
    const model = tfl.model({ inputs: x, outputs: y });
    expect(model.getLayer('d_conv1').outputShape).toEqual([null, 8, 8, 3]);
    expect(model.getLayer('d_conv2').outputShape).toEqual([null, 8, 8, 3]);
    expect(model.getLayer('d_conv3').outputShape).toEqual([null, 8, 8, 4]);
    // (9*2*3 + 3) + (9*3*3 + 3) + (9*3*4 + 4) = 57 + 84 + 112 = 253.
    expect(model.countParams()).toBe(253);
    model.dispose();
  });

  it('rejects bad options with a UnetKitError', () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    expect(() => doubleConv(x, 4, { convs: 0 })).toThrow(/doubleConv: options\.convs is 0; expected an integer >= 1/);
    expect(() => doubleConv(x, 4, { midFilters: 1.5 })).toThrow(/doubleConv: options\.midFilters is 1\.5/);
    expect(() => doubleConv(x, 4, { spatialDims: 4 as never })).toThrow(/doubleConv: options\.spatialDims is 4; expected 2 \(images\) or 3 \(volumes\)/);
  });
});
