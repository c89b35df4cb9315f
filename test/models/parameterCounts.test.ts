import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { attentionUNet } from '../../src/models/attentionUNet.js';
import { denseUNet } from '../../src/models/denseUNet.js';
import { mobileUNet } from '../../src/models/mobileUNet.js';
import type { PlainUNetOptions, UNetOptions } from '../../src/models/options.js';
import { r2UNet } from '../../src/models/r2UNet.js';
import { resUNet } from '../../src/models/resUNet.js';
import { unet } from '../../src/models/unet.js';
import { unetPlusPlus } from '../../src/models/unetPlusPlus.js';

// Closed forms of every factory's parameter count (trainable and non-trainable weights, as
// countParams reports them). A conv with kernel k in d dimensions from i to o channels has
// k^d * i * o weights plus o biases; a transposed conv the same. Batch norm keeps 4 numbers per
// channel (gamma, beta, moving mean, moving variance), instance norm 2, 'none' 0. Block convs
// have a bias exactly when there is no norm (the default of useBias).

interface Setting {
  d: 2 | 3;
  cin: number;
  classes: number;
  f: number[];
  /** Numbers per channel of the norm: 4 (batch), 2 (instance), 0 (none). */
  n: number;
  /**
   * Kernel of the decoder's up-sampling conv: 2 for `upsampling: 'transpose'` (2x2 up-conv,
   * default), 1 for interpolation (nearest / bi- / trilinear after a 1x1 conv to the level's
   * width, with bias).
   */
  upKernel?: 1 | 2;
}

const conv = (s: Setting, k: number, i: number, o: number, bias: boolean) => k ** s.d * i * o + (bias ? o : 0);
const head = (s: Setting) => conv(s, 1, s.f[0]!, s.classes, true);
const up = (s: Setting, i: number, out = s.f[i]!) => conv(s, s.upKernel ?? 2, s.f[i + 1]!, out, true);
const bias = (s: Setting) => s.n === 0;
const depth = (s: Setting) => s.f.length - 1;
const inputOf = (s: Setting, i: number) => (i === 0 ? s.cin : s.f[i - 1]!);
const sum = (n: number, term: (i: number) => number) => Array.from({ length: n }, (_, i) => term(i)).reduce((a, b) => a + b, 0);

/** Two 3x3 conv units from `i` to `o` channels, each conv + norm. */
const double = (s: Setting, i: number, o: number) => conv(s, 3, i, o, bias(s)) + s.n * o + conv(s, 3, o, o, bias(s)) + s.n * o;

function unetCount(s: Setting): number {
  const encoder = sum(depth(s) + 1, (i) => double(s, inputOf(s, i), s.f[i]!));
  const decoder = sum(depth(s), (i) => up(s, i) + double(s, 2 * s.f[i]!, s.f[i]!));
  return encoder + decoder + head(s);
}

function resUNetCount(s: Setting): number {
  // Pre-activation unit on c channels to o: norm(c) -> conv 3x3 -> norm(o) -> conv 3x3, plus
  // a 1x1 projection + norm when c != o (or strided). enc0 has no input norm.
  const unit = (c: number, o: number, inputNorm: boolean) =>
    (inputNorm ? s.n * c : 0) + conv(s, 3, c, o, bias(s)) + s.n * o + conv(s, 3, o, o, bias(s)) + conv(s, 1, c, o, bias(s)) + s.n * o;
  const encoder = sum(depth(s) + 1, (i) => unit(inputOf(s, i), s.f[i]!, i > 0));
  const decoder = sum(depth(s), (i) => up(s, i) + unit(2 * s.f[i]!, s.f[i]!, true));
  return encoder + decoder + head(s);
}

function attentionUNetCount(s: Setting): number {
  // Gate at level i: theta 2^d x f_i x f_i/2 (no bias), phi 1x1 f_{i+1} -> f_i/2, psi 1x1 f_i/2 -> 1.
  const gate = (i: number) => {
    const inter = Math.max(1, Math.floor(s.f[i]! / 2));
    return conv(s, 2, s.f[i]!, inter, false) + conv(s, 1, s.f[i + 1]!, inter, true) + conv(s, 1, inter, 1, true);
  };
  return unetCount(s) + sum(depth(s), gate);
}

function unetPlusPlusCount(s: Setting): number {
  const encoder = sum(depth(s) + 1, (i) => double(s, inputOf(s, i), s.f[i]!));
  // X(i, j), j >= 1: up(X(i+1, j-1)) to f_i, concatenated with X(i, 0..j-1): (j + 1) f_i channels.
  let nested = 0;
  for (let j = 1; j <= depth(s); j++) {
    for (let i = 0; i + j <= depth(s); i++) nested += up(s, i) + double(s, (j + 1) * s.f[i]!, s.f[i]!);
  }
  return encoder + nested + head(s);
}

function denseUNetCount(s: Setting, layers = 2): number {
  // Dense layer on c channels: norm(c) + conv 3x3 c -> g; block output c + L g; 1x1 transition to f_i + norm.
  const level = (c: number, i: number) => {
    const g = Math.max(1, Math.round(s.f[i]! / 2));
    const dense = sum(layers, (k) => s.n * (c + k * g) + conv(s, 3, c + k * g, g, bias(s)));
    return dense + conv(s, 1, c + layers * g, s.f[i]!, bias(s)) + s.n * s.f[i]!;
  };
  const stem = conv(s, 3, s.cin, s.f[0]!, bias(s)) + s.n * s.f[0]!;
  const encoder = sum(depth(s) + 1, (i) => level(i === 0 ? s.f[0]! : s.f[i - 1]!, i));
  const decoder = sum(depth(s), (i) => up(s, i) + level(2 * s.f[i]!, i));
  return stem + encoder + decoder + head(s);
}

function mobileUNetCount(s: Setting, t = 4): number {
  // Depthwise kxk per channel: k^2 in 2D; 3D is factorized into three 1-D passes: 3k.
  const dw = (c: number, withBias: boolean) => (s.d === 2 ? 3 * 3 : 3 + 3 + 3) * c + (withBias ? c : 0);
  const ir = (c: number, o: number, expansion: number) => {
    const h = c * expansion;
    const expand = expansion === 1 ? 0 : conv(s, 1, c, h, bias(s)) + s.n * h;
    return expand + dw(h, bias(s)) + s.n * h + conv(s, 1, h, o, bias(s)) + s.n * o;
  };
  // Separable conv c -> o: depthwise (no bias) + pointwise 1x1 + norm.
  const sep = (c: number, o: number) => dw(c, false) + conv(s, 1, c, o, bias(s)) + s.n * o;
  const stem = conv(s, 3, s.cin, s.f[0]!, bias(s)) + s.n * s.f[0]!;
  const encoder = sum(depth(s) + 1, (i) => (i === 0 ? ir(s.f[0]!, s.f[0]!, 1) : ir(s.f[i - 1]!, s.f[i]!, t)));
  const decoder = sum(depth(s), (i) => {
    const half = Math.floor(s.f[i]! / 2);
    return up(s, i, half) + sep(s.f[i]! + half, s.f[i]!) + sep(s.f[i]!, s.f[i]!);
  });
  return stem + encoder + decoder + head(s);
}

function r2UNetCount(s: Setting): number {
  // 1x1 projection c -> f (with bias), then 2 recurrent conv layers: one shared conv + norm each.
  const block = (c: number, f: number) => conv(s, 1, c, f, true) + 2 * (conv(s, 3, f, f, bias(s)) + s.n * f);
  const encoder = sum(depth(s) + 1, (i) => block(inputOf(s, i), s.f[i]!));
  const decoder = sum(depth(s), (i) => up(s, i) + block(2 * s.f[i]!, s.f[i]!));
  return encoder + decoder + head(s);
}

/**
 * The closed form of docs/parameter-counts.md for the 2D U-Net of widths `w * 2^i`, `depth`
 * poolings, no norm: encoder level 0 `9 cin w + 9 w^2 + 2 w`, level i >= 1 `13.5 w^2 4^i + 2 w 2^i`,
 * decoder level i `35 w^2 4^i + 3 w 2^i` (2x2 up-conv 8 w^2 4^i, 3x3 convs 18 and 9 w^2 4^i, three
 * biases), head `w K + K`; summed as geometric series.
 */
function paperUNetCount(w: number, depth: number, cin: number, classes: number): number {
  const sum4 = (4 ** (depth + 1) - 4) / 3; // 4^1 + ... + 4^depth
  const sum2 = 2 ** (depth + 1) - 2;
  const encoder = 9 * cin * w + 9 * w * w + 2 * w + 13.5 * w * w * sum4 + 2 * w * sum2;
  const decoder = 35 * w * w * ((4 ** depth - 1) / 3) + 3 * w * (2 ** depth - 1);
  return encoder + decoder + w * classes + classes;
}

const FACTORIES = [
  ['unet', unet, unetCount],
  ['resUNet', resUNet, resUNetCount],
  ['attentionUNet', attentionUNet, attentionUNetCount],
  ['unetPlusPlus', unetPlusPlus, unetPlusPlusCount],
  ['denseUNet', denseUNet, denseUNetCount],
  ['mobileUNet', mobileUNet, mobileUNetCount],
  ['r2UNet', r2UNet, r2UNetCount],
] as const;

function countOf(factory: (o: UNetOptions) => { countParams(): number; dispose(): unknown }, options: UNetOptions): number {
  const model = factory(options);
  const count = model.countParams();
  model.dispose();
  return count;
}

describe('parameter counts', () => {
  // Counting needs no forward pass; building still makes the weights, on the cpu backend.
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the 2015 U-Net as published (572 x 572 x 1 in, 388 x 388 x 2 out, valid padding, 64..1024, no norm) has 31,030,658 and 23 conv layers', () => {
    const options: PlainUNetOptions = {
      inputShape: [572, 572, 1],
      numClasses: 2,
      filters: [64, 128, 256, 512, 1024],
      norm: 'none',
      upsampling: 'transpose',
      padding: 'valid',
    };
    const s: Setting = { d: 2, cin: 1, classes: 2, f: [64, 128, 256, 512, 1024], n: 0 };
    // Encoder 640 + 36,928 + 73,856 + 147,584 + 295,168 + 590,080 + 1,180,160 + 2,359,808
    // + 4,719,616 + 9,438,208 = 18,842,048; decoder (up + two convs per level)
    // 2,097,664 + 4,719,104 + 2,359,808 + 524,544 + 1,179,904 + 590,080 + 131,200 + 295,040
    // + 147,584 + 32,832 + 73,792 + 36,928 = 12,188,480; head 64 * 2 + 2 = 130.
    expect(unetCount(s)).toBe(18_842_048 + 12_188_480 + 130);
    expect(paperUNetCount(64, 4, 1, 2)).toBe(31_030_658);
    // Building the 31M-parameter net once (the count does not depend on padding or input size).
    const model = unet(options);
    expect(model.countParams()).toBe(31_030_658);
    expect(model.outputs[0]!.shape).toEqual([null, 388, 388, 2]);
    // The paper: "In total the network has 23 convolutional layers" (18 3x3, 4 up-convs, the 1x1 head).
    expect(model.layers.filter((l) => /^Conv2D/.test(l.getClassName())).length).toBe(23);
    model.dispose();
  });

  it('the closed form of the paper-style U-Net (widths w * 2^i, 3x3 convs and 2x2 up-convs with bias) matches the level sums', () => {
    for (const [w, depth, cin, classes] of [[64, 4, 1, 2], [8, 2, 3, 4], [16, 3, 1, 1], [1, 1, 1, 1]] as const) {
      const s: Setting = { d: 2, cin, classes, f: Array.from({ length: depth + 1 }, (_, i) => w * 2 ** i), n: 0 };
      expect(paperUNetCount(w, depth, cin, classes), `${w}, ${depth}, ${cin}, ${classes}`).toBe(unetCount(s));
    }
  });

  const settings: Array<[string, Setting, Partial<UNetOptions>]> = [
    ['2D, no norm', { d: 2, cin: 1, classes: 2, f: [8, 16, 32, 64], n: 0 }, { norm: 'none' }],
    ['2D, batch norm, 3 channels in, 4 classes', { d: 2, cin: 3, classes: 4, f: [8, 16, 32, 64], n: 4 }, { norm: 'batch' }],
    ['3D, instance norm', { d: 3, cin: 1, classes: 2, f: [4, 8, 16], n: 2 }, { norm: 'instance' }],
    ['2D, nearest up-sampling', { d: 2, cin: 1, classes: 2, f: [8, 16, 32], n: 4, upKernel: 1 }, { upsampling: 'nearest' }],
    ['2D, bilinear up-sampling, no norm', { d: 2, cin: 2, classes: 3, f: [8, 16, 32], n: 0, upKernel: 1 }, { norm: 'none', upsampling: 'bilinear' }],
    ['3D, trilinear up-sampling', { d: 3, cin: 1, classes: 2, f: [4, 8, 16], n: 4, upKernel: 1 }, { upsampling: 'trilinear' }],
  ];
  for (const [factoryName, factory, closedForm] of FACTORIES) {
    for (const [label, s, extra] of settings) {
      it(`${factoryName} (${label}) matches its closed form`, () => {
        const spatial = s.d === 2 ? [16, 16] : [8, 8, 8];
        const options: UNetOptions = { inputShape: [...spatial, s.cin], numClasses: s.classes, spatialDims: s.d, filters: s.f, ...extra };
        expect(countOf(factory as never, options)).toBe(closedForm(s));
      });
    }
  }

  it("unet's count does not depend on padding: 'valid' (44 x 44) equals the closed form of 'same'", () => {
    const s: Setting = { d: 2, cin: 2, classes: 3, f: [4, 8, 16], n: 0 };
    const options: PlainUNetOptions = { inputShape: [44, 44, 2], numClasses: 3, filters: s.f, norm: 'none', padding: 'valid' };
    expect(countOf(unet, options)).toBe(unetCount(s));
    const volume: PlainUNetOptions = { inputShape: [20, 20, 20, 1], numClasses: 2, spatialDims: 3, filters: [4, 8], norm: 'batch', padding: 'valid' };
    expect(countOf(unet, volume)).toBe(unetCount({ d: 3, cin: 1, classes: 2, f: [4, 8], n: 4 }));
  });

  it('the table of docs/parameter-counts.md equals the closed forms (2D and 3D defaults, 2015 widths without norm)', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'parameter-counts.md'), 'utf8');
    const defaults = [32, 64, 128, 256, 512];
    const columns: Setting[] = [
      { d: 2, cin: 1, classes: 2, f: defaults, n: 4 },
      { d: 3, cin: 1, classes: 2, f: defaults, n: 4 },
      { d: 2, cin: 1, classes: 2, f: [64, 128, 256, 512, 1024], n: 0 },
    ];
    const unet2d = unetCount(columns[0]!);
    for (const [factoryName, , closedForm] of FACTORIES) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${factoryName}\` |`));
      expect(row, `a row for ${factoryName}`).toBeDefined();
      const cells = row!.split('|').slice(2, -1).map((cell) => cell.trim());
      const expected = columns.map((s) => closedForm(s).toLocaleString('en-US'));
      expect(cells, factoryName).toEqual([...expected, (closedForm(columns[0]!) / unet2d).toFixed(2)]);
    }
  });

  it('mobileUNet has about 80% fewer parameters than unet of the same widths', () => {
    const s: Setting = { d: 2, cin: 1, classes: 2, f: [64, 128, 256, 512, 1024], n: 0 };
    // Closed forms only (building the 31M-parameter net once above is enough).
    const ratio = mobileUNetCount(s) / unetCount(s);
    expect(mobileUNetCount(s)).toBe(6_514_690);
    expect(1 - ratio).toBeGreaterThan(0.78);
    expect(1 - ratio).toBeLessThan(0.82);
  });
});
