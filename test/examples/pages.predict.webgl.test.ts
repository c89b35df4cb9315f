// The predict example page and its interactive correction in headless Chromium on WebGL
// (SwiftShader): see predictPage.ts.
import { describePredictPage } from './predictPage.js';

describePredictPage('webgl');
