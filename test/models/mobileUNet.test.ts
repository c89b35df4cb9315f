import { describe, expect, it } from 'vitest';
import { mobileUNet } from '../../src/models/mobileUNet.js';
import { UnetKitError } from '../../src/core/errors.js';
import { describeFactory, tinyOptions } from './factoryHarness.js';

describeFactory('mobileUNet', mobileUNet, {
  expectedNames: ['stem_conv', 'enc0_ir1_dw_norm', 'enc1_ir1_expand', 'enc1_ir1_project', 'bottleneck_ir1_project_norm', 'dec1_up', 'dec0_sep1_pw', 'dec0_sep2_act'],
});

describe('mobileUNet structure', () => {
  it('down-samples with stride-2 depthwise convs and adds the residual where shapes match', () => {
    const model = mobileUNet({ ...tinyOptions(2), blocksPerLevel: 2 });
    expect(model.getLayer('enc1_ir1_dw').outputShape).toEqual([null, 8, 8, 8]); // 2 channels * expansion 4
    const names = model.layers.map((l) => l.name);
    expect(names).not.toContain('enc1_ir1_add'); // stride 2: no residual
    expect(names).toContain('enc1_ir2_add'); // stride 1, 4 -> 4 channels
    model.dispose();
  });

  it('uses the factorized depthwise conv in 3D and rejects unknown 3D sizes and a downsampling option', () => {
    const model = mobileUNet(tinyOptions(3));
    expect(model.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['enc1_ir1_dw_w', 'enc1_ir1_dw_h', 'enc1_ir1_dw_d']));
    expect(model.getLayer('enc1_ir1_dw_out').outputShape).toEqual([null, 4, 4, 4, 8]);
    model.dispose();
    expect(() => mobileUNet({ ...tinyOptions(3), inputShape: [null, null, null, 1] })).toThrow(/needs known spatial sizes/);
    expect(() => mobileUNet({ ...tinyOptions(2), downsampling: 'maxPool' })).toThrow(UnetKitError);
  });
});
