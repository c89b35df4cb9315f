import { unet } from '../../src/models/unet.js';
import { describeFactory } from './factoryHarness.js';

describeFactory('unet', unet, {
  expectedNames: ['enc0_conv1', 'enc0_norm1', 'enc0_act1', 'enc0_conv2', 'enc1_down_pool', 'bottleneck_conv1', 'dec1_up', 'dec1_concat', 'dec0_conv2'],
});
