import * as tf from '@tensorflow/tfjs-core';

// Memory-bounded window attention with a recomputing gradient (the idea of Rabe & Staats 2021,
// "Self-attention does not need O(n^2) memory", and of FlashAttention, Dao et al. 2022, applied
// per window batch): the scores and weights exist for one chunk of windows at a time, in the
// forward pass and again in the backward pass, instead of for every window at once. Swin
// attention on a 96^3 volume has 2 x 343 windows x 3 heads x 343^2 scores (about 1 GB per
// tensor in float32, several of them kept for the gradient), beyond the 4 GB wasm heap; chunked,
// the attention's working set is a few chunk-sized tensors plus q, k, v and the output.

/** Scores per chunk (floats) when not set: 2^22, 16 MiB. */
const DEFAULT_CHUNK_SCORES = 2 ** 22;
let chunkScores = DEFAULT_CHUNK_SCORES;

/**
 * Sets how many attention scores (floats) one chunk of windows may hold; 0 turns chunking off
 * (every window at once, through tfjs' own gradients). For benches and tests; returns the
 * previous value.
 */
export function setAttentionChunkScores(scores: number): number {
  if (!Number.isInteger(scores) || scores < 0) throw new Error(`setAttentionChunkScores: scores is ${scores}; expected an integer >= 0`);
  const previous = chunkScores;
  chunkScores = scores;
  return previous;
}

/** The current chunk size in scores (0: off). */
export function attentionChunkScores(): number {
  return chunkScores;
}

/** A constant additive mask per window position: `values` holds `[groups, n, n]`. */
export interface WindowMask {
  values: Float32Array;
  groups: number;
}

/**
 * `softmax(q k^T / sqrt(K) + bias + mask[r mod G]) v` for `[B, H, n, K]` windows `q, k, v`
 * (B = images x G windows, window r of the batch uses `mask` group `r mod G`), a learned
 * `[H, n, n]` bias shared by all windows and an optional constant mask; `[B, H, n, K]` out.
 * Computed over chunks of windows; the gradient (for q, k, v and the bias) recomputes each
 * chunk's weights P and uses `dV = P^T dO`, `dS = P (dO V^T - rowsum(dO V^T P))`,
 * `dQ = dS K / sqrt(K)`, `dK = dS^T Q / sqrt(K)`, `dBias = sum_r dS_r`.
 */
export function chunkedWindowAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor3D, mask: WindowMask | null): tf.Tensor4D {
  const [rows, heads, n, depth] = q.shape;
  const groups = mask === null ? 1 : mask.groups;
  if (rows % groups !== 0) throw new Error(`chunkedWindowAttention: ${rows} windows are not a whole number of images of ${groups} windows`);
  const perRow = heads * n * n;
  const chunk = Math.max(1, Math.min(rows, Math.floor(chunkScores / perRow)));
  // Chunks never straddle two images, so each one's mask is one contiguous run of groups.
  const spans: Array<[number, number]> = [];
  for (let start = 0; start < rows; ) {
    const imageEnd = groups === 1 ? rows : (Math.floor(start / groups) + 1) * groups;
    const end = Math.min(start + chunk, imageEnd);
    spans.push([start, end]);
    start = end;
  }
  const scale = 1 / Math.sqrt(depth);
  const maskOf = (start: number, end: number): tf.Tensor | null => {
    if (mask === null) return null;
    const g0 = start % groups;
    const g1 = g0 + (end - start);
    return tf.expandDims(tf.tensor3d(mask.values.subarray(g0 * n * n, g1 * n * n), [g1 - g0, n, n]), 1);
  };
  const rowsOf = (t: tf.Tensor, start: number, end: number): tf.Tensor => tf.slice(t, [start, 0, 0, 0], [end - start, heads, n, t.shape[3]!]);
  const weightsOf = (qs: tf.Tensor, ks: tf.Tensor, b: tf.Tensor, start: number, end: number): tf.Tensor => {
    let scores = tf.add(tf.matMul(tf.mul(qs, scale), ks, false, true), b);
    const m = maskOf(start, end);
    if (m !== null) scores = tf.add(scores, m);
    return tf.softmax(scores);
  };

  const attend = tf.customGrad((...args: unknown[]) => {
    const [qi, ki, vi, bi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor3D, tf.GradSaveFunc];
    save([qi, ki, vi, bi]);
    const parts = spans.map(([s, e]) => tf.tidy(() => tf.matMul(weightsOf(rowsOf(qi, s, e), rowsOf(ki, s, e), bi, s, e), rowsOf(vi, s, e))));
    const value = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    if (parts.length > 1) tf.dispose(parts);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [qs0, ks0, vs0, bs0] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor3D];
      const dq: tf.Tensor[] = [];
      const dk: tf.Tensor[] = [];
      const dv: tf.Tensor[] = [];
      let dBias: tf.Tensor = tf.zeros([heads, n, n]);
      for (const [s, e] of spans) {
        const [dqc, dkc, dvc, dbc] = tf.tidy(() => {
          const qc = rowsOf(qs0, s, e);
          const kc = rowsOf(ks0, s, e);
          const vc = rowsOf(vs0, s, e);
          const doc = rowsOf(dy, s, e);
          const p = weightsOf(qc, kc, bs0, s, e);
          const dP = tf.matMul(doc, vc, false, true);
          const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true)));
          return [tf.mul(tf.matMul(dS, kc), scale), tf.mul(tf.matMul(dS, qc, true, false), scale), tf.matMul(p, doc, true, false), tf.sum(dS, 0)];
        });
        dq.push(dqc!);
        dk.push(dkc!);
        dv.push(dvc!);
        const next = tf.add(dBias, dbc!);
        tf.dispose([dBias, dbc!]);
        dBias = next;
      }
      const join = (list: tf.Tensor[]): tf.Tensor => {
        if (list.length === 1) return list[0]!;
        const joined = tf.concat(list, 0);
        tf.dispose(list);
        return joined;
      };
      return [join(dq), join(dk), join(dv), dBias];
    };
    return { value, gradFunc };
  });
  return attend(q, k, v, bias) as tf.Tensor4D;
}
