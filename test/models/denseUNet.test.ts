import { describe, expect, it } from 'vitest';
import { denseUNet } from '../../src/models/denseUNet.js';
import { describeFactory, tinyOptions } from './factoryHarness.js';

describeFactory('denseUNet', denseUNet, {
  expectedNames: ['stem_conv', 'enc0_l1_norm', 'enc0_l1_conv', 'enc0_concat2', 'enc0_trans_conv', 'bottleneck_concat2', 'dec1_up', 'dec0_trans_conv'],
});

describe('denseUNet widths', () => {
  it('grows by convsPerLevel * growthRate in each dense block and transitions back to filters[i]', () => {
    const model = denseUNet({ ...tinyOptions(2), growthRate: 3 });
    // enc1 input: 2 channels (pooled enc0) + 2 layers * 3 = 8, then 1x1 back to 4.
    expect(model.getLayer('enc1_concat2').outputShape).toEqual([null, 8, 8, 8]);
    expect(model.getLayer('enc1_trans_conv').outputShape).toEqual([null, 8, 8, 4]);
    model.dispose();
  });
});
