/**
 * unet-kit/data: preprocessing (normalization, padding, resampling, 2.5D stacks, patches) and
 * medical image I/O (NIfTI). Model files are in `unet-kit/io`.
 * @module unet-kit/data
 */
export { cropToShape, nearestValidSizes, paddingToMultiple, padToMultiple } from '../ops/padding.js';
export type { CropToShapeOptions, PadPosition, PadToMultipleOptions } from '../ops/padding.js';
export { BORDER_MODES } from '../ops/border.js';
export type { BorderMode } from '../ops/border.js';
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
