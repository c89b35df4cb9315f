import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Makes `model.dispose()` free the weights of every layer of a freshly built model, including
 * layers applied several times inside it (the shared recurrent convs of
 * `recurrentResidualBlock` (unet-kit/blocks)). tfjs counts every application of a layer as a reference, so a
 * layer applied k times would need k disposals and its weights would otherwise outlive the
 * model. Call it once, right after `tfl.model(...)`, on a model whose layers no other model
 * uses (the unet-kit factories do this themselves), and likewise on a model with shared layers
 * loaded by `tf.loadLayersModel` (a saved r2UNet or recurrent block): loading rebuilds the shared
 * layers with the same reference counts.
 *
 * @returns `model`, for chaining.
 * @example
 * ```ts
 * const model = claimLayers(tfl.model({ inputs: x, outputs: recurrentResidualBlock(x, 16) }));
 * model.dispose(); // frees every weight
 * const loaded = claimLayers(await tfl.loadLayersModel('file://./r2unet/model.json'));
 * ```
 */
export function claimLayers<T extends tfl.LayersModel>(model: T): T {
  for (const layer of model.layers) {
    const counted = layer as unknown as { _refCount: number | null };
    if (typeof counted._refCount === 'number' && counted._refCount > 1) counted._refCount = 1;
  }
  return model;
}
