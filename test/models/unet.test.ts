import { unet } from '../../src/models/unet.js';
import { describeFactory } from './factoryHarness.js';

describeFactory('unet', unet, {
  expectedNames: ['enc0_conv1', 'enc0_norm1', 'enc0_act1', 'enc0_conv2', 'enc1_down_pool', 'bottleneck_conv1', 'dec1_up', 'dec1_concat', 'dec0_conv2'],
});

// The interpolating decoder (upsampling 'linear': bilinear in 2D, trilinear in 3D): a 1x1 conv
// to the level's width, then UpSampling2D / unet-kit's UpSampling3D.
describeFactory('unet with bi- / trilinear up-sampling', unet, {
  expectedNames: ['dec1_up_proj', 'dec1_up', 'dec1_concat', 'dec0_up_proj', 'dec0_up', 'dec0_conv2'],
  extra: { upsampling: 'linear' },
});
