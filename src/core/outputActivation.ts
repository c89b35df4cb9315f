/**
 * What turns a network's last feature map into its output, and what a loss or metric applies to
 * `yPred` before comparing it with the truth: `'softmax'` over the channel (last) axis for
 * mutually exclusive classes (needs C >= 2), `'sigmoid'` per channel for binary or multi-label
 * outputs, `'none'` for values that are already probabilities (or logits kept as logits).
 * The one vocabulary of segmentation heads (`head`, the factories' `finalActivation`) and of
 * the losses' `activation` option (MONAI's `sigmoid` / `softmax` flags as one name).
 */
export type OutputActivation = 'softmax' | 'sigmoid' | 'none';

/**
 * The {@link OutputActivation} names, in the order error messages list them.
 *
 * @example `OUTPUT_ACTIVATIONS.includes('softmax')` is `true`.
 */
export const OUTPUT_ACTIVATIONS: readonly OutputActivation[] = ['softmax', 'sigmoid', 'none'];
