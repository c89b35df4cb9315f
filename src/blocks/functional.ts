import type * as tfl from '@tensorflow/tfjs-layers';
import type { Layer, SpatialLayerTable } from '../layers/spatial.js';

/** A symbolic tensor of the functional (Keras) API. */
export type Sym = tfl.SymbolicTensor;

/** Applies a layer to one or more symbolic tensors, returning its one output. */
export function apply(layer: Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

/** Applies `layer` when it is not `null` (a `'none'` norm or activation), else returns `x`. */
export function applyOptional(layer: Layer | null, x: Sym): Sym {
  return layer === null ? x : apply(layer, x);
}

/** Spatial dropout of whole feature maps after a block, when `rate > 0`. */
export function maybeDropout(L: SpatialLayerTable, x: Sym, rate: number, name: string, seed: number | undefined): Sym {
  return rate > 0 ? apply(L.spatialDropout({ rate, name, seed }), x) : x;
}
