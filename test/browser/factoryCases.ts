// The factory cases of the cross-backend suite (factories.test.ts): every architecture factory of
// unet-kit/models at its smallest legal size, 2D and 3D where it has both. Built from whichever
// copy of the models floor is passed in (src in Node, the built dist bundle in Chromium), so both
// sides build the same topology and the weights line up in `getWeights()` order.
import type * as tfLayers from '@tensorflow/tfjs-layers';
import type * as models from '../../src/models/index.js';

/** The models floor (src or dist) and the stand-in Keras encoder for backboneUNet. */
export interface FactoryKit {
  models: typeof models;
  /** test/models/kerasBackbones.ts' MobileNetV2 (random seeded weights, Keras' layer names). */
  mobileNetV2: (inputShape: [number, number, number]) => tfLayers.LayersModel;
}

/** One model of the suite: a name and how to build it (the input shape is the model's). */
export interface FactoryCase {
  name: string;
  build: (kit: FactoryKit) => tfLayers.LayersModel;
  /** Batch size of the input (default 2; 1 for the largest 3D transformers, to keep the suite fast). */
  batch?: number;
  /**
   * The GPU backends that also run it by default (SwiftShader runs thousands of small kernels
   * slowly, so not every case runs on both; UNET_KIT_FACTORIES_GPU=all runs every case on both).
   */
  gpu?: ReadonlyArray<'webgl' | 'webgpu'>;
  /**
   * Node's backend for the reference (default cpu): wasm (one thread) for a case that tfjs' cpu
   * backend takes minutes over. Node's wasm agrees with cpu within the wasm tolerances of the
   * suite on every other case, so it stands in for it.
   */
  reference?: 'cpu' | 'wasm';
  /** Other models the build made and the case owns (backboneUNet's encoder): disposed with it. */
  owned?: (model: tfLayers.LayersModel) => tfLayers.LayersModel[];
}

/** The encoders backboneUNet cases built, by the model built on them. */
const encoders = new WeakMap<tfLayers.LayersModel, tfLayers.LayersModel>();

const TINY = { numClasses: 2, filters: [2, 4, 8], seed: 7 } as const;
const image = [16, 16, 1] as const;
const volume = [8, 8, 8, 1] as const;

/** Both spatial ranks of a convolutional factory with the shared tiny options. */
function both(name: string, build: (kit: FactoryKit, spatialDims: 2 | 3) => tfLayers.LayersModel): FactoryCase[] {
  return ([2, 3] as const).map((spatialDims) => ({ name: `${name} ${spatialDims}D`, build: (kit) => build(kit, spatialDims) }));
}

/** The 3D case of a pair at batch 1. */
const batchOne = (pair: FactoryCase[]): FactoryCase[] => pair.map((c) => (c.name.endsWith('3D') ? { ...c, batch: 1 } : c));

const shape = (spatialDims: 2 | 3, channels = 1): number[] => [...(spatialDims === 2 ? image : volume).slice(0, -1), channels];

/** Every factory, in the order of src/models/index.ts. */
const LISTED: FactoryCase[] = [
  ...both('unet', (k, d) => k.models.unet({ ...TINY, inputShape: shape(d), spatialDims: d })),
  // Ronneberger's unpadded convs: 44 -> 4 for two levels, skips centre-cropped.
  { name: "unet padding 'valid' 2D", build: (k) => k.models.unet({ ...TINY, inputShape: [44, 44, 1], padding: 'valid', norm: 'none' }) },
  { name: 'unet multiScaleInput 2D', build: (k) => k.models.unet({ ...TINY, inputShape: [...image], multiScaleInput: 'gaussian' }) },
  ...both('resUNet', (k, d) => k.models.resUNet({ ...TINY, inputShape: shape(d), spatialDims: d })),
  ...both('attentionUNet', (k, d) => k.models.attentionUNet({ ...TINY, inputShape: shape(d), spatialDims: d })),
  ...both('unetPlusPlus', (k, d) => k.models.unetPlusPlus({ ...TINY, inputShape: shape(d), spatialDims: d })),
  ...both('denseUNet', (k, d) => k.models.denseUNet({ ...TINY, inputShape: shape(d), spatialDims: d, norm: 'group' })),
  ...both('mobileUNet', (k, d) => k.models.mobileUNet({ ...TINY, inputShape: shape(d), spatialDims: d })),
  ...both('r2UNet', (k, d) => k.models.r2UNet({ ...TINY, inputShape: shape(d), spatialDims: d, norm: 'instance' })),
  ...batchOne(
    both('unetr', (k, d) =>
      k.models.unetr({ inputShape: d === 2 ? [16, 16, 1] : [16, 16, 16, 1], numClasses: 2, featureSize: 2, hiddenSize: 12, mlpDim: 24, numHeads: 2, spatialDims: d, seed: 3 }),
    ),
  ),
  // 32 per axis is the smallest input: five halvings (patch embedding and four stages). The 3D
  // reference runs on Node's wasm: tfjs' cpu backend took 150 s over its 32^3 convs.
  ...batchOne(
    both('swinUNETR', (k, d) =>
      k.models.swinUNETR({ inputShape: d === 2 ? [32, 32, 1] : [32, 32, 32, 1], numClasses: 2, featureSize: 2, numHeads: [1, 1, 1, 1], depths: [1, 1, 1, 1], windowSize: 4, spatialDims: d, seed: 3 }),
    ),
  ).map((c) => (c.name.endsWith('3D') ? { ...c, reference: 'wasm' as const } : c)),
  {
    name: 'transUNet 2D',
    build: (k) =>
      k.models.transUNet({
        inputShape: [32, 32, 1],
        numClasses: 2,
        resnetDepths: [1, 1, 1],
        resnetWidth: 4,
        hiddenSize: 16,
        mlpDim: 32,
        numHeads: 2,
        numLayers: 1,
        headChannels: 8,
        decoderFilters: [8, 8, 4, 4],
        dropout: 0,
        seed: 3,
      }),
  },
  { name: 'swinUNet 2D', build: (k) => k.models.swinUNet({ inputShape: [32, 32, 1], numClasses: 2, embedDim: 4, numHeads: [1, 1, 2, 2], depths: [1, 1, 1, 1], windowSize: 2, seed: 3 }) },
  { name: 'fusionUNet late attention 2D', build: (k) => k.models.fusionUNet({ ...TINY, inputShape: shape(2, 2), modalities: 2, fusion: 'late', merge: 'attention' }) },
  { name: 'fusionUNet early 3D', build: (k) => k.models.fusionUNet({ ...TINY, inputShape: shape(3, 2), spatialDims: 3, modalities: 2, fusion: 'early' }) },
  // 64 x 64 and a frozen encoder (the usual fine-tuning setup): a random MobileNetV2 trained
  // through its own batch norms at batch 2 is chaotic, its gradients at 1 x 1 or 2 x 2 resolution
  // differing by 10-100% between cpu, wasm and tensorflow after one step.
  {
    name: 'backboneUNet mobilenetV2 2D',
    build: (k) => {
      const encoder = k.mobileNetV2([64, 64, 3]);
      const model = k.models.backboneUNet(encoder, { backbone: 'mobilenetV2', numClasses: 2, decoderFilters: [4, 4, 8, 8, 8], freezeBlocks: 'all', seed: 3 });
      encoders.set(model, encoder);
      return model;
    },
    // The encoder's layers after its last skip are not in the U-Net: disposing it frees them.
    owned: (model) => [encoders.get(model)!],
  },
];

/**
 * Every case runs on both GPU backends by default. WebGL: with unet-kit's shape-independent
 * programs on a software renderer (useBackend('webgl') turns them on, src/kernels/webgl/
 * sharedPrograms.ts) all 25 took 101.9 s on SwiftShader (2026-12-03, idle 2-core machine; the
 * transformers 5.3-14.0 s), against 334.8 s with tfjs' one program per tensor shape, when only
 * eight cases ran there by default. WebGPU: with unet-kit's direct conv, matMul, reduction and
 * softmax kernels on SwiftShader all 25 took 81.6 s (swinUNETR 3D 25.5 s); 241.0 s with tfjs' own
 * kernels, 120.3 s with the direct convs and matMuls alone (swinUNETR 3D 50.8 s, then left out).
 */
const ALL_CASES: readonly FactoryCase[] = LISTED.map((c) => ({ ...c, gpu: ['webgl', 'webgpu'] as const }));

/**
 * The cases the suite runs: every one (unset, empty or `'all'`), else those named
 * (comma-separated). Node reads UNET_KIT_FACTORIES.
 */
export function factoryCases(only = typeof process === 'undefined' ? undefined : process.env.UNET_KIT_FACTORIES): readonly FactoryCase[] {
  if (only === undefined || only === '' || only === 'all') return ALL_CASES;
  const names = only.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !ALL_CASES.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`UNET_KIT_FACTORIES names ${unknown.join(', ')}; known: ${ALL_CASES.map((c) => c.name).join(', ')}`);
  return ALL_CASES.filter((c) => names.includes(c.name));
}
