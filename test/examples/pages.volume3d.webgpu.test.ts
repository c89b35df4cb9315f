// The 3D example page in headless Chromium on WebGPU (SwiftShader's adapter): see volume3dPage.ts.
import { describeVolume3dPage } from './volume3dPage.js';

describeVolume3dPage(['webgpu']);
