import * as tf from '@tensorflow/tfjs-core';

/** A deterministic test image `[n, ...spatial, 1]` with distinct smooth values (no two equal). */
export function rampImage(shape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5 + i * 1e-4);
    return tf.tensor(values, shape);
  });
}

/** A label map (int32) from thresholds of an image: 0 below t1, 1 up to t2, 2 above. */
export function labelsOf(image: tf.Tensor, t1 = 0.35, t2 = 0.7): tf.Tensor {
  return tf.tidy(() => tf.add(tf.cast(tf.greater(image, t1), 'int32'), tf.cast(tf.greater(image, t2), 'int32')));
}

/** A smooth blob image (a gaussian bump, off-centre), values in [0, 1]. */
export function blobImage(n: number, spatial: number[]): tf.Tensor {
  return tf.tidy(() => {
    const size = spatial.reduce((a, b) => a * b, 1);
    const values: number[] = [];
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < size; i++) {
        let rest = i;
        let r2 = 0;
        for (let a = spatial.length - 1; a >= 0; a--) {
          const c = rest % spatial[a]!;
          rest = Math.floor(rest / spatial[a]!);
          const centre = spatial[a]! * (0.45 + 0.05 * s);
          r2 += ((c - centre) / (spatial[a]! * 0.3)) ** 2;
        }
        values.push(Math.exp(-r2));
      }
    }
    return tf.tensor(values, [n, ...spatial, 1]);
  });
}

/** Values as a flat JS array. */
export async function flat(x: tf.Tensor): Promise<number[]> {
  return Array.from(await x.data());
}
