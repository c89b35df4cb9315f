/** One 2D convolution geometry of the kernel checks. */
export interface Conv2DCase {
  batch: number;
  size: [number, number];
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: number;
  pad: 'same' | 'valid';
}

/**
 * The geometries every 2D replacement kernel is checked on: strides 1 and 2, same and valid
 * padding, odd and even sizes, batch 1 and 3, channels 1, 3 and 16, square and odd kernels.
 */
export const CONV2D_CASES: Conv2DCase[] = [
  { batch: 1, size: [7, 7], inChannels: 1, outChannels: 3, kernel: [3, 3], stride: 1, pad: 'same' },
  { batch: 3, size: [9, 8], inChannels: 3, outChannels: 16, kernel: [3, 3], stride: 2, pad: 'same' },
  { batch: 1, size: [8, 8], inChannels: 16, outChannels: 16, kernel: [3, 3], stride: 1, pad: 'valid' },
  { batch: 3, size: [11, 9], inChannels: 16, outChannels: 3, kernel: [3, 3], stride: 2, pad: 'valid' },
  { batch: 3, size: [8, 10], inChannels: 3, outChannels: 1, kernel: [2, 2], stride: 2, pad: 'same' },
  { batch: 1, size: [5, 6], inChannels: 16, outChannels: 16, kernel: [1, 1], stride: 1, pad: 'same' },
  { batch: 3, size: [9, 9], inChannels: 1, outChannels: 16, kernel: [5, 3], stride: 1, pad: 'same' },
  { batch: 1, size: [6, 6], inChannels: 3, outChannels: 3, kernel: [4, 4], stride: 2, pad: 'same' },
  // Large enough for the XNNPACK route of the wasm filter gradient (> 1 M multiply-adds).
  { batch: 3, size: [32, 32], inChannels: 16, outChannels: 16, kernel: [3, 3], stride: 1, pad: 'same' },
  { batch: 1, size: [33, 31], inChannels: 16, outChannels: 16, kernel: [3, 3], stride: 2, pad: 'valid' },
];

/** Output spatial size of a case (TensorFlow's same/valid rules). */
export function outSize(c: Conv2DCase): [number, number] {
  const f = (n: number, k: number) => (c.pad === 'same' ? Math.ceil(n / c.stride) : Math.floor((n - k) / c.stride) + 1);
  return [f(c.size[0], c.kernel[0]), f(c.size[1], c.kernel[1])];
}

/** A short label for test names. */
export function label(c: Conv2DCase): string {
  return `b${c.batch} ${c.size.join('x')} ${c.inChannels}->${c.outChannels} k${c.kernel.join('x')} s${c.stride} ${c.pad}`;
}
