import { describe, expect, it } from 'vitest';
import { resUNet } from '../../src/models/resUNet.js';
import { describeFactory, tinyOptions } from './factoryHarness.js';

describeFactory('resUNet', resUNet, {
  expectedNames: ['enc0_conv1', 'enc0_norm2', 'enc0_proj', 'enc0_add', 'enc1_conv1', 'enc1_proj', 'bottleneck_add', 'dec1_up', 'dec1_concat', 'dec0_add'],
  // 3D training with another norm than the default.
  train3d: { norm: 'instance' },
});

describe('resUNet options', () => {
  it("starts with a plain conv on the image (no norm before enc0's first conv) and down-samples by stride", () => {
    const model = resUNet(tinyOptions(2));
    const names = model.layers.map((l) => l.name);
    expect(names).not.toContain('enc0_norm1');
    expect(names).toContain('enc1_norm1');
    expect(names.some((n) => n.endsWith('_pool'))).toBe(false);
    // enc1's first conv halves the size.
    expect(model.getLayer('enc1_conv1').outputShape).toEqual([null, 8, 8, 4]);
    model.dispose();
  });

  it('builds post-activation units with an activation after each addition', () => {
    const model = resUNet({ ...tinyOptions(2), preActivation: false, downsampling: 'maxPool' });
    const names = model.layers.map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['enc0_out', 'enc1_down_pool', 'bottleneck_out', 'dec0_out']));
    model.dispose();
  });
});
