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
export { minMaxNormalize, zScoreNormalize } from './normalize.js';
export type { MinMaxNormalizeOptions, ZScoreNormalizeOptions } from './normalize.js';
export { percentile, percentileClip } from './percentile.js';
export type { PercentileClipOptions } from './percentile.js';
export { CT_WINDOWS, ctWindow } from './ctWindow.js';
export type { CtWindowSpec } from './ctWindow.js';
export { histogramEqualize } from './histogramEqualize.js';
export type { HistogramEqualizeOptions } from './histogramEqualize.js';
export { resampleToSpacing, spacingShape } from './resampleToSpacing.js';
export type { ResampleToSpacingOptions } from './resampleToSpacing.js';
export { sliceStacks, stacksToVolume } from './sliceStacks.js';
export type { SliceStacksOptions, StacksToVolumeOptions } from './sliceStacks.js';
export { extractPatches, gaussianImportance, patchStarts, reassemblePatches } from './patches.js';
export type { ExtractPatchesOptions, PatchLayout, ReassemblePatchesOptions } from './patches.js';
export { niftiToTensor, readNifti, tensorToNifti, writeNifti } from './nifti.js';
export type { NiftiDatatype, NiftiTypedArray, NiftiVolume, ReadNiftiOptions, WriteNiftiOptions } from './nifti.js';
