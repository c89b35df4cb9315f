/**
 * unet-kit/data: preprocessing (normalization, padding, resampling, 2.5D stacks, patches) and
 * medical image I/O (NIfTI).
 * @module
 */
export { cropToShape, nearestValidSizes, paddingToMultiple, padToMultiple } from './padToMultiple.js';
export type { CropToShapeOptions, PadPosition, PadToMultipleOptions } from './padToMultiple.js';
export { BORDER_MODES } from './borderIndex.js';
export type { BorderMode } from './borderIndex.js';
export { loadModel, MODEL_FILE_NAMES, modelDirHandler, saveModel } from './modelFiles.js';
export type { SaveModelOptions } from './modelFiles.js';
