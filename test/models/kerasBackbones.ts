// keras.applications topologies rebuilt in tfjs-layers with the exact Keras layer names (from
// keras/src/applications/mobilenet_v2.py and resnet.py), random seeded weights: the encoders
// backboneUNet is tested on, as a converted Keras model would arrive.
import * as tfl from '@tensorflow/tfjs-layers';

type Sym = tfl.SymbolicTensor;

function seeded(seed: { next: number }) {
  return tfl.initializers.glorotUniform({ seed: seed.next++ });
}

function makeDivisible(v: number, divisor = 8): number {
  let out = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

/** Keras' `imagenet_utils.correct_pad` for a 3x3 stride-2 conv on an even or odd size. */
function correctPad(x: Sym): [[number, number], [number, number]] {
  const [h, w] = [x.shape[1] as number, x.shape[2] as number];
  // Keras pads (k // 2 - adjust, k // 2) with adjust = 1 - size % 2.
  return [
    [h % 2, 1],
    [w % 2, 1],
  ];
}

function bn(x: Sym, name: string, epsilon = 1e-3, momentum = 0.999): Sym {
  return tfl.layers.batchNormalization({ axis: -1, epsilon, momentum, name }).apply(x) as Sym;
}

function invertedResBlock(x: Sym, expansion: number, stride: number, alpha: number, filters: number, blockId: number, seed: { next: number }): Sym {
  const inChannels = x.shape[3] as number;
  const pointwise = makeDivisible(Math.trunc(filters * alpha));
  let prefix = `block_${blockId}_`;
  let y = x;
  if (blockId > 0) {
    y = tfl.layers.conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: seeded(seed), name: `${prefix}expand` }).apply(y) as Sym;
    y = bn(y, `${prefix}expand_BN`);
    y = tfl.layers.reLU({ maxValue: 6, name: `${prefix}expand_relu` }).apply(y) as Sym;
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) y = tfl.layers.zeroPadding2d({ padding: correctPad(y), name: `${prefix}pad` }).apply(y) as Sym;
  y = tfl.layers
    .depthwiseConv2d({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid', depthwiseInitializer: seeded(seed), name: `${prefix}depthwise` })
    .apply(y) as Sym;
  y = bn(y, `${prefix}depthwise_BN`);
  y = tfl.layers.reLU({ maxValue: 6, name: `${prefix}depthwise_relu` }).apply(y) as Sym;
  y = tfl.layers.conv2d({ filters: pointwise, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: seeded(seed), name: `${prefix}project` }).apply(y) as Sym;
  y = bn(y, `${prefix}project_BN`);
  if (inChannels === pointwise && stride === 1) return tfl.layers.add({ name: `${prefix}add` }).apply([x, y]) as Sym;
  return y;
}

/** Keras' `MobileNetV2(include_top=False, weights=None, alpha=alpha, input_shape=inputShape)`, layer for layer. */
export function kerasMobileNetV2(inputShape: [number, number, number], alpha = 0.35, seedStart = 1): tfl.LayersModel {
  const seed = { next: seedStart };
  const input = tfl.input({ shape: inputShape, name: 'input_1' });
  let x = tfl.layers.conv2d({ filters: makeDivisible(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: seeded(seed), name: 'Conv1' }).apply(input) as Sym;
  x = bn(x, 'bn_Conv1');
  x = tfl.layers.reLU({ maxValue: 6, name: 'Conv1_relu' }).apply(x) as Sym;
  const blocks: Array<[number, number, number]> = [
    [16, 1, 1],
    [24, 2, 6], [24, 1, 6],
    [32, 2, 6], [32, 1, 6], [32, 1, 6],
    [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
    [96, 1, 6], [96, 1, 6], [96, 1, 6],
    [160, 2, 6], [160, 1, 6], [160, 1, 6],
    [320, 1, 6],
  ];
  blocks.forEach(([filters, stride, expansion], id) => {
    x = invertedResBlock(x, expansion, stride, alpha, filters, id, seed);
  });
  const last = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = tfl.layers.conv2d({ filters: last, kernelSize: 1, useBias: false, kernelInitializer: seeded(seed), name: 'Conv_1' }).apply(x) as Sym;
  x = bn(x, 'Conv_1_bn');
  x = tfl.layers.reLU({ maxValue: 6, name: 'out_relu' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha.toFixed(2)}_${inputShape[0]}` });
}

function conv(x: Sym, filters: number, kernelSize: number, name: string, seed: { next: number }, strides = 1, padding: 'same' | 'valid' = 'valid'): Sym {
  return tfl.layers.conv2d({ filters, kernelSize, strides, padding, kernelInitializer: seeded(seed), name }).apply(x) as Sym;
}

function residualBlockV1(x: Sym, filters: number, stride: number, convShortcut: boolean, name: string, seed: { next: number }): Sym {
  let shortcut = x;
  if (convShortcut) shortcut = bn(conv(x, 4 * filters, 1, `${name}_0_conv`, seed, stride), `${name}_0_bn`, 1.001e-5, 0.99);
  let y = bn(conv(x, filters, 1, `${name}_1_conv`, seed, stride), `${name}_1_bn`, 1.001e-5, 0.99);
  y = tfl.layers.activation({ activation: 'relu', name: `${name}_1_relu` }).apply(y) as Sym;
  y = bn(conv(y, filters, 3, `${name}_2_conv`, seed, 1, 'same'), `${name}_2_bn`, 1.001e-5, 0.99);
  y = tfl.layers.activation({ activation: 'relu', name: `${name}_2_relu` }).apply(y) as Sym;
  y = bn(conv(y, 4 * filters, 1, `${name}_3_conv`, seed), `${name}_3_bn`, 1.001e-5, 0.99);
  y = tfl.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as Sym;
  return tfl.layers.activation({ activation: 'relu', name: `${name}_out` }).apply(y) as Sym;
}

/**
 * Keras' `ResNet50(include_top=False, weights=None)`, layer for layer and name for name, with
 * every width divided by `1 / width` (width 1 is ResNet50 itself; tests use 1/16).
 */
export function kerasResNet50(inputShape: [number, number, number], width = 1 / 16, seedStart = 1): tfl.LayersModel {
  const seed = { next: seedStart };
  const w = (f: number) => Math.max(1, Math.round(f * width));
  const input = tfl.input({ shape: inputShape, name: 'input_1' });
  let x = tfl.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }).apply(input) as Sym;
  x = conv(x, w(64), 7, 'conv1_conv', seed, 2);
  x = bn(x, 'conv1_bn', 1.001e-5, 0.99);
  x = tfl.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as Sym;
  x = tfl.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as Sym;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as Sym;
  const stacks: Array<[number, number, number, string]> = [
    [64, 3, 1, 'conv2'],
    [128, 4, 2, 'conv3'],
    [256, 6, 2, 'conv4'],
    [512, 3, 2, 'conv5'],
  ];
  for (const [filters, blocks, stride, name] of stacks) {
    x = residualBlockV1(x, w(filters), stride, true, `${name}_block1`, seed);
    for (let b = 2; b <= blocks; b++) x = residualBlockV1(x, w(filters), 1, false, `${name}_block${b}`, seed);
  }
  return tfl.model({ inputs: input, outputs: x, name: 'resnet50' });
}

/** `imagenet_utils.correct_pad` for a k x k stride-2 conv. */
function correctPadK(x: Sym, k: number): [[number, number], [number, number]] {
  const half = Math.floor(k / 2);
  const [h, w] = [x.shape[1] as number, x.shape[2] as number];
  return [
    [half - (1 - (h % 2)), half],
    [half - (1 - (w % 2)), half],
  ];
}

interface EfficientBlock {
  kernel: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expand: number;
  strides: number;
}

// keras/src/applications/efficientnet.py DEFAULT_BLOCKS_ARGS (se_ratio 0.25, id_skip true).
const EFFICIENTNET_BLOCKS: EfficientBlock[] = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expand: 1, strides: 1 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expand: 6, strides: 2 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expand: 6, strides: 2 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expand: 6, strides: 2 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expand: 6, strides: 1 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expand: 6, strides: 2 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expand: 6, strides: 1 },
];

function efficientBlock(x: Sym, b: EfficientBlock, filtersIn: number, strides: number, dropRate: number, name: string, seed: { next: number }): Sym {
  const filters = filtersIn * b.expand;
  let y = x;
  const act = (t: Sym, n: string) => tfl.layers.activation({ activation: 'swish', name: n }).apply(t) as Sym;
  if (b.expand !== 1) {
    y = tfl.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: seeded(seed), name: `${name}expand_conv` }).apply(y) as Sym;
    y = act(bn(y, `${name}expand_bn`, 1e-3, 0.99), `${name}expand_activation`);
  }
  if (strides === 2) y = tfl.layers.zeroPadding2d({ padding: correctPadK(y, b.kernel), name: `${name}dwconv_pad` }).apply(y) as Sym;
  y = tfl.layers
    .depthwiseConv2d({ kernelSize: b.kernel, strides, padding: strides === 2 ? 'valid' : 'same', useBias: false, depthwiseInitializer: seeded(seed), name: `${name}dwconv` })
    .apply(y) as Sym;
  y = act(bn(y, `${name}bn`, 1e-3, 0.99), `${name}activation`);
  const filtersSe = Math.max(1, Math.trunc(filtersIn * 0.25));
  let se = tfl.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }).apply(y) as Sym;
  se = tfl.layers.reshape({ targetShape: [1, 1, filters], name: `${name}se_reshape` }).apply(se) as Sym;
  se = tfl.layers.conv2d({ filters: filtersSe, kernelSize: 1, padding: 'same', activation: 'swish', kernelInitializer: seeded(seed), name: `${name}se_reduce` }).apply(se) as Sym;
  se = tfl.layers.conv2d({ filters, kernelSize: 1, padding: 'same', activation: 'sigmoid', kernelInitializer: seeded(seed), name: `${name}se_expand` }).apply(se) as Sym;
  y = tfl.layers.multiply({ name: `${name}se_excite` }).apply([y, se]) as Sym;
  y = tfl.layers.conv2d({ filters: b.filtersOut, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: seeded(seed), name: `${name}project_conv` }).apply(y) as Sym;
  y = bn(y, `${name}project_bn`, 1e-3, 0.99);
  if (strides === 1 && filtersIn === b.filtersOut) {
    if (dropRate > 0) y = tfl.layers.dropout({ rate: dropRate, noiseShape: [null, 1, 1, 1] as unknown as number[], name: `${name}drop` }).apply(y) as Sym;
    y = tfl.layers.add({ name: `${name}add` }).apply([y, x]) as Sym;
  }
  return y;
}

/**
 * Keras' `EfficientNetB0(include_top=False, weights=None)` after its input normalisation
 * (its `Rescaling` and `Normalization` layers, which hold the ImageNet statistics, are left out:
 * feed it normalised images), layer for layer from `stem_conv_pad` on.
 */
export function kerasEfficientNetB0(inputShape: [number, number, number], seedStart = 1): tfl.LayersModel {
  const seed = { next: seedStart };
  const input = tfl.input({ shape: inputShape, name: 'input_1' });
  let x = tfl.layers.zeroPadding2d({ padding: correctPadK(input, 3), name: 'stem_conv_pad' }).apply(input) as Sym;
  x = tfl.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: seeded(seed), name: 'stem_conv' }).apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'swish', name: 'stem_activation' }).apply(bn(x, 'stem_bn', 1e-3, 0.99)) as Sym;
  const total = EFFICIENTNET_BLOCKS.reduce((s, b) => s + b.repeats, 0);
  let b = 0;
  EFFICIENTNET_BLOCKS.forEach((args, i) => {
    for (let j = 0; j < args.repeats; j++) {
      const name = `block${i + 1}${String.fromCharCode(97 + j)}_`;
      x = efficientBlock(x, args, j === 0 ? args.filtersIn : args.filtersOut, j === 0 ? args.strides : 1, (0.2 * b) / total, name, seed);
      b++;
    }
  });
  x = tfl.layers.conv2d({ filters: 1280, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: seeded(seed), name: 'top_conv' }).apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'swish', name: 'top_activation' }).apply(bn(x, 'top_bn', 1e-3, 0.99)) as Sym;
  return tfl.model({ inputs: input, outputs: x, name: 'efficientnetb0' });
}
