import { describe, expect, it } from 'vitest';
import { r2UNet } from '../../src/models/r2UNet.js';
import { describeFactory, tinyOptions } from './factoryHarness.js';

describeFactory('r2UNet', r2UNet, {
  expectedNames: ['enc0_proj', 'enc0_rcl1_conv', 'enc0_rcl1_add1', 'enc0_rcl1_add2', 'enc0_rcl2_conv', 'enc0_add', 'bottleneck_add', 'dec1_up', 'dec0_add'],
  // 3D training with another norm than the default.
  train3d: { norm: { type: 'group', groups: 2 } },
});

describe('r2UNet recurrence', () => {
  it('shares each recurrent conv across its t + 1 applications', () => {
    const model = r2UNet({ ...tinyOptions(2), recurrence: 3 });
    // One conv layer per RCL, applied t + 1 = 4 times (4 inbound nodes).
    expect(model.getLayer('enc0_rcl1_conv').inboundNodes.length).toBe(4);
    expect(model.layers.map((l) => l.name)).toContain('enc0_rcl1_add3');
    model.dispose();
  });
});
