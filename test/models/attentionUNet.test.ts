import { describe, expect, it } from 'vitest';
import { attentionUNet } from '../../src/models/attentionUNet.js';
import { describeFactory, tinyOptions } from './factoryHarness.js';

describeFactory('attentionUNet', attentionUNet, {
  expectedNames: ['enc0_conv1', 'bottleneck_conv2', 'dec1_att_theta', 'dec1_att_phi', 'dec1_att_psi', 'dec1_att_mul', 'dec0_att_mul', 'dec0_concat'],
});

describe('attentionUNet gates', () => {
  it('gates each skip by the coarser decoder features, theta strided to their grid', () => {
    const model = attentionUNet(tinyOptions(2));
    // Skip enc0 is 16x16x2; the gate signal (dec1 output) is 8x8x4; inter channels floor(2 / 2) = 1.
    expect(model.getLayer('dec0_att_theta').outputShape).toEqual([null, 8, 8, 1]);
    expect(model.getLayer('dec0_att_phi').outputShape).toEqual([null, 8, 8, 1]);
    expect(model.getLayer('dec0_att_resample').outputShape).toEqual([null, 16, 16, 1]);
    expect(model.getLayer('dec0_att_mul').outputShape).toEqual([null, 16, 16, 2]);
    model.dispose();
  });
});
