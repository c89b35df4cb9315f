/**
 * unet-kit/io: saving and loading models as a directory (`model.json` + `weights.bin`) in Node,
 * readable by stock `tf.loadLayersModel`, with the custom layers registered.
 * @module unet-kit/io
 */
export { loadModel, MODEL_FILE_NAMES, modelDirHandler, saveModel } from './modelFiles.js';
export type { SaveModelOptions } from './modelFiles.js';
