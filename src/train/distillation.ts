import * as tf from '@tensorflow/tfjs-core';
import { assertKnownKeys, assertNumber, assertOneOf, assertOptionsObject, assertBoolean, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';

/** Options of {@link distillationLoss}. */
export interface DistillationOptions {
  /** Softening temperature T (> 0). Default 4. */
  temperature?: number;
  /** Weight of the distillation (soft) term; the hard-label term gets `1 - alpha`. Default 0.5. */
  alpha?: number;
  /** `'softmax'` (default, multi-class, classes last) or `'sigmoid'` (independent binary channels). */
  activation?: 'softmax' | 'sigmoid';
  /** Whether the teacher's and the student's predictions are logits (default true) or probabilities. */
  fromLogits?: boolean;
  /** The hard-label loss `(yTrue, studentProbs) => scalar`. Default: cross-entropy on the labels. */
  hardLoss?: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
}

const EPS = 1e-7;

/**
 * log(sigmoid(x)) = -softplus(-x), stable. Not `tf.logSigmoid`: its custom gradient reads its
 * input without saving it, so under a gradient tape the input is already disposed by this
 * loss's tidy when the backward pass runs (docs/tfjs-gaps.md).
 */
const logSigmoid = (x: tf.Tensor): tf.Tensor => tf.neg(tf.softplus(tf.neg(x)));

function toLogits(p: tf.Tensor, activation: 'softmax' | 'sigmoid'): tf.Tensor {
  const q = tf.clipByValue(p, EPS, 1 - EPS);
  return activation === 'softmax' ? tf.log(q) : tf.sub(tf.log(q), tf.log(tf.sub(1, q)));
}

/**
 * Knowledge-distillation loss (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a
 * Neural Network"): for the batch whose teacher predictions are `teacherPreds`, returns a loss
 * `(yTrue, studentPreds) => scalar` equal to
 *
 * `alpha * T^2 * KL(p_teacher^T || p_student^T) + (1 - alpha) * hard(yTrue, p_student)`
 *
 * where `p^T = softmax(logits / T)` (or `sigmoid` per channel, with the binary KL), the KL is
 * summed over classes and averaged over samples and voxels, and `T^2` keeps the soft term's
 * gradient scale independent of T (Hinton et al., Sec. 2). The default hard term is
 * cross-entropy with the labels (one-hot `[..., K]` for softmax, 0/1 for sigmoid).
 *
 * Use it in a custom training step (tfjs' `fit` cannot feed a per-batch teacher tensor):
 *
 * @param teacherPreds - the teacher's predictions for this batch, `[N, ..., K]` (logits by default).
 * @example
 * ```ts
 * const teacherOut = teacher.predict(x) as tf.Tensor;
 * optimizer.minimize(() => distillationLoss(teacherOut, { temperature: 4, alpha: 0.7 })(y, student.apply(x) as tf.Tensor));
 * ```
 */
export function distillationLoss(teacherPreds: tf.Tensor, options: DistillationOptions = {}): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  const fn = 'distillationLoss';
  if (!(teacherPreds instanceof tf.Tensor) || teacherPreds.rank < 2) fail(fn, 'teacherPreds', teacherPreds, 'a tensor [N, ..., K] of teacher predictions');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['temperature', 'alpha', 'activation', 'fromLogits', 'hardLoss']);
  const { temperature = 4, alpha = 0.5, activation = 'softmax', fromLogits = true, hardLoss } = options;
  assertNumber(fn, 'options.temperature', temperature, { min: 0, minExclusive: true });
  assertNumber(fn, 'options.alpha', alpha, { min: 0, max: 1 });
  assertOneOf(fn, 'options.activation', activation, ['softmax', 'sigmoid'] as const);
  assertBoolean(fn, 'options.fromLogits', fromLogits);
  if (hardLoss !== undefined && typeof hardLoss !== 'function') fail(fn, 'options.hardLoss', hardLoss, 'a function (yTrue, yPred) => scalar');
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    if (!(yPred instanceof tf.Tensor) || yPred.shape.join() !== teacherPreds.shape.join()) {
      throw new UnetKitError(fn, 'yPred', `has shape ${yPred instanceof tf.Tensor ? `[${yPred.shape.join(', ')}]` : String(yPred)}; expected the teacher's shape [${teacherPreds.shape.join(', ')}].`);
    }
    if (!(yTrue instanceof tf.Tensor) || yTrue.shape.join() !== yPred.shape.join()) {
      throw new UnetKitError(fn, 'yTrue', `has shape ${yTrue instanceof tf.Tensor ? `[${yTrue.shape.join(', ')}]` : String(yTrue)}; expected [${yPred.shape.join(', ')}] (one-hot or 0/1 labels).`);
    }
    return tf.tidy(() => {
      const teacherLogits = fromLogits ? teacherPreds : toLogits(teacherPreds, activation);
      const studentLogits = fromLogits ? yPred : toLogits(yPred, activation);
      const t = tf.div(teacherLogits, temperature);
      const s = tf.div(studentLogits, temperature);
      let kl: tf.Tensor;
      if (activation === 'softmax') {
        const logPt = tf.logSoftmax(t);
        const logPs = tf.logSoftmax(s);
        kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
      } else {
        // Binary KL per channel: p log(p/q) + (1-p) log((1-p)/(1-q)) with log-sigmoids for stability.
        const logPt = logSigmoid(t);
        const logNt = logSigmoid(tf.neg(t));
        const logPs = logSigmoid(s);
        const logNs = logSigmoid(tf.neg(s));
        kl = tf.sum(tf.add(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), tf.mul(tf.exp(logNt), tf.sub(logNt, logNs))), -1);
      }
      const soft = tf.mul(tf.mean(kl), temperature * temperature);
      const studentProbs = activation === 'softmax' ? tf.softmax(studentLogits) : tf.sigmoid(studentLogits);
      let hard: tf.Tensor;
      if (hardLoss !== undefined) hard = hardLoss(yTrue, studentProbs);
      else if (activation === 'softmax') hard = tf.mean(tf.neg(tf.sum(tf.mul(yTrue, tf.logSoftmax(studentLogits)), -1)));
      else hard = tf.mean(tf.neg(tf.add(tf.mul(yTrue, logSigmoid(studentLogits)), tf.mul(tf.sub(1, yTrue), logSigmoid(tf.neg(studentLogits))))));
      return tf.add(tf.mul(soft, alpha), tf.mul(hard, 1 - alpha)) as tf.Scalar;
    });
  };
}
