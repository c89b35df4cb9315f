import type * as tfl from '@tensorflow/tfjs-layers';
import { fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';

interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes?: Array<Array<[string, number, number, unknown?]>>;
}

const POOLS = new Set(['MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D']);
const STRIDED = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'SeparableConv2D']);
const UPS = new Set(['UpSampling2D', 'UpSampling3D', 'Conv2DTranspose', 'Conv3DTranspose']);

function isDown(layer: LayerJson): boolean {
  if (POOLS.has(layer.class_name)) return true;
  if (!STRIDED.has(layer.class_name)) return false;
  const strides = layer.config.strides;
  return Array.isArray(strides) ? strides.some((s) => (s as number) > 1) : typeof strides === 'number' && strides > 1;
}

/**
 * Freezes the first `levels` resolution levels of a U-Net's encoder for transfer learning (set
 * `trainable = false`), finding them from the graph rather than from layer names, so it works
 * for every unet-kit architecture and for imported Keras models: a down-sampling layer (pooling
 * or strided conv) is at level `1 + the largest level among the down-sampling layers before it`;
 * freezing `levels` freezes every layer that feeds the down-sampling layers of level `levels`
 * (the encoder blocks at full, 1/2, ... resolution), not those layers themselves (a strided
 * conv is the first conv of the next block; in pre-activation nets the next block's first norm
 * runs before it, at the frozen resolution, and is frozen too). `levels = 'all'` freezes the whole encoder and
 * the bottleneck: everything before the first up-sampling (up-sampling or transposed conv) layers.
 *
 * tfjs collects the trainable weights when the model is compiled: freeze before
 * `model.compile` (or compile again). Batch norms in frozen blocks keep updating their moving
 * statistics during `fit` in tfjs; freeze them by predicting with the frozen part, or use
 * `norm: 'instance'`.
 *
 * @param levels - 1..(number of down-sampling levels), or `'all'`.
 * @returns the names of the layers with weights that were frozen.
 * @example
 * ```ts
 * const frozen = freezeEncoder(pretrained, 2); // the two full- and half-resolution blocks
 * pretrained.compile({ optimizer: tf.train.adam(1e-4), loss: diceLoss() });
 * ```
 */
export function freezeEncoder(model: tfl.LayersModel, levels: number | 'all'): string[] {
  const fn = 'freezeEncoder';
  if (model === null || typeof model !== 'object' || typeof (model as { toJSON?: unknown }).toJSON !== 'function') {
    fail(fn, 'model', model, 'a tf.LayersModel');
  }
  const topology = model.toJSON(null, false) as unknown as { class_name: string; config: { layers: LayerJson[] } };
  const layers = topology.config.layers;
  const sequential = topology.class_name === 'Sequential';
  const parents = new Map<string, string[]>();
  layers.forEach((layer, i) => {
    const name = sequential ? (layer.config.name as string) : layer.name;
    layer.name = name;
    const inbound = sequential ? (i > 0 ? [layers[i - 1]!.name] : []) : (layer.inbound_nodes ?? []).flat().map((ref) => ref[0]);
    parents.set(name, inbound);
  });
  const ancestorsCache = new Map<string, Set<string>>();
  const ancestors = (name: string): Set<string> => {
    const cached = ancestorsCache.get(name);
    if (cached !== undefined) return cached;
    const out = new Set<string>();
    const stack = [...(parents.get(name) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (out.has(next)) continue;
      out.add(next);
      stack.push(...(parents.get(next) ?? []));
    }
    ancestorsCache.set(name, out);
    return out;
  };
  const byName = new Map(layers.map((l) => [l.name, l]));
  const downs = layers.filter(isDown);
  const level = new Map<string, number>();
  // Layers are listed in topological order, so parents' levels are known first.
  for (const d of downs) {
    let max = 0;
    for (const a of ancestors(d.name)) if (level.has(a)) max = Math.max(max, level.get(a)!);
    level.set(d.name, max + 1);
  }
  const maxLevel = Math.max(0, ...level.values());
  if (maxLevel === 0) {
    throw new UnetKitError(fn, 'model', 'has no down-sampling layer (pooling or strided conv); expected an encoder-decoder network.');
  }
  let roots: string[];
  if (levels === 'all') {
    const ups = layers.filter((l) => UPS.has(l.class_name));
    const firstUps = ups.filter((u) => ![...ancestors(u.name)].some((a) => UPS.has(byName.get(a)?.class_name ?? '')));
    if (firstUps.length === 0) throw new UnetKitError(fn, 'model', 'has no up-sampling layer; expected a U-Net-like decoder for levels: \'all\'.');
    roots = firstUps.flatMap((u) => [...ancestors(u.name)]);
  } else {
    if (typeof levels !== 'number' || !Number.isInteger(levels) || levels < 1 || levels > maxLevel) {
      fail(fn, 'levels', levels, `an integer from 1 to ${maxLevel} (this model's down-sampling levels) or 'all'`);
    }
    // The level-`levels` down-sampling layers themselves open the next block (a strided conv
    // is that block's first conv), so only what feeds them is frozen.
    const next = downs.filter((d) => level.get(d.name) === levels);
    const nextNames = new Set(next.map((d) => d.name));
    roots = next.flatMap((d) => [...ancestors(d.name)]).filter((name) => !nextNames.has(name));
  }
  const frozen: string[] = [];
  for (const name of new Set(roots)) {
    const layer = model.getLayer(name);
    if (layer.weights.length === 0) continue;
    layer.trainable = false;
    frozen.push(name);
  }
  return frozen;
}
