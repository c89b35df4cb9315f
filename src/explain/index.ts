/**
 * unet-kit/explain: where a segmentation model looks. Grad-CAM and Grad-CAM++ at a named layer
 * for a class over all voxels or a region, 2D and 3D, and overlays for Node (PNG) and the
 * browser (canvas `ImageData`).
 * @module unet-kit/explain
 */
export { CAM_METHODS, gradCam, gradCamPlusPlus } from './gradCam.js';
export type { CamMethod, GradCamOptions } from './gradCam.js';
export { camOverlay, encodePng, jetColour, toImageData } from './overlay.js';
export type { CamOverlayOptions, RgbaImage } from './overlay.js';
