// Small mask pairs whose surface distances are worked out by hand in the tests.
import { coordsOf } from './bruteForce.js';

/**
 * 5x5x5 volume, layout [1, 5, 5, 5, 1]. target: the cube 1..3 on every axis; pred: the same
 * cube shifted by one voxel along axis 0 (2..4). Each has 26 surface voxels (all but its centre).
 */
export function shiftedCubes(): { pred: Uint8Array; target: Uint8Array; shape: number[] } {
  const pred = new Uint8Array(125);
  const target = new Uint8Array(125);
  for (let i = 0; i < 125; i++) {
    const [z, y, x] = coordsOf(i, [5, 5, 5]) as [number, number, number];
    const inYX = y >= 1 && y <= 3 && x >= 1 && x <= 3;
    if (inYX && z >= 1 && z <= 3) target[i] = 1;
    if (inYX && z >= 2 && z <= 4) pred[i] = 1;
  }
  return { pred, target, shape: [1, 5, 5, 5, 1] };
}

/** 1D, layout [1, 20, 1]: target = {0}; pred = {0, 2, 5, 9}, four isolated surface voxels. */
export function scatteredPoints(): { pred: Uint8Array; target: Uint8Array; shape: number[] } {
  const pred = new Uint8Array(20);
  const target = new Uint8Array(20);
  target[0] = 1;
  for (const i of [0, 2, 5, 9]) pred[i] = 1;
  return { pred, target, shape: [1, 20, 1] };
}

/** 2D 4x6, layout [1, 4, 6, 1]: one voxel each, target (1, 1), pred (2, 4): offset (1, 3). */
export function twoPoints(): { pred: Uint8Array; target: Uint8Array; shape: number[] } {
  const pred = new Uint8Array(24);
  const target = new Uint8Array(24);
  target[1 * 6 + 1] = 1;
  pred[2 * 6 + 4] = 1;
  return { pred, target, shape: [1, 4, 6, 1] };
}
