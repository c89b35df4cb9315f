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

describe('doubleConv padding', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("'valid' removes kernelSize - 1 per conv and axis (the paper's 572 -> 568), 2D and 3D; same weights as 'same'", () => {
    const x = tfl.input({ shape: [12, 10, 1] });
    const model = tfl.model({ inputs: x, outputs: doubleConv(x, 2, { norm: 'none', padding: 'valid', name: 'v' }) });
    expect(model.outputs[0]!.shape).toEqual([null, 8, 6, 2]);
    expect(model.countParams()).toBe(9 * 1 * 2 + 2 + 9 * 2 * 2 + 2);
    const v = tfl.input({ shape: [9, 9, 9, 1] });
    const y = doubleConv(v, 2, { spatialDims: 3, convs: 3, kernelSize: 3, padding: 'valid', name: 'w' });
    expect(y.shape).toEqual([null, 3, 3, 3, 2]);
    expect(() => doubleConv(x, 2, { padding: 'full' as never })).toThrow(/doubleConv: options.padding is 'full'; expected one of 'same', 'valid'/);
    model.dispose();
  });
});
