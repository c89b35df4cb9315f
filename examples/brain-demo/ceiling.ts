// `npm run demo:ceiling`: the tissue task's ceiling on the held-out slab (see signalCeiling.ts).
// The ITK tissue labels run past the image's edge: in the held-out slices 40..61 about two thirds
// of values 2 and 3 lie where the T1 image is exactly 0, so no model of the image sees them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readNifti } from 'unet-kit/data';
import { DEFAULT_DATA_DIR } from './data.js';
import { signalCeiling } from './signalCeiling.js';
import { SLABS } from './tasks.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: DEFAULT_DATA_DIR } } });
const image = await readNifti(await readFile(join(values.data, 'KmeansTest_T1UCharRaw.nii.gz')));
const labels = await readNifti(await readFile(join(values.data, 'KmeansTest_T1KmeansPrelimSegmentation.nii.gz')));
const scored = [2, 3, 4, 5, 6];
const slabs = [{ id: 'training', first: SLABS.train[0]!.first, last: SLABS.train[SLABS.train.length - 1]!.last }, ...SLABS.test.map((s) => ({ id: s.id, first: s.first, last: s.last }))];
for (const slab of slabs) {
  const rows = signalCeiling(image, labels, scored, 1, slab.first, slab.last);
  console.log(`${slab.id} slices ${slab.first}..${slab.last}: the oracle (right where the image is nonzero, background where it is 0)`);
  console.log('value   voxels  on zero image  oracle Dice');
  for (const r of rows) console.log(`${String(r.value).padStart(5)}  ${String(r.voxels).padStart(7)}  ${String(r.onZeroImage).padStart(6)} (${((100 * r.onZeroImage) / r.voxels).toFixed(1).padStart(4)}%)  ${r.oracleDice.toFixed(4)}`);
  console.log(`  mean oracle Dice over values ${scored.join(', ')}: ${(rows.reduce((a, r) => a + r.oracleDice, 0) / rows.length).toFixed(4)}\n`);
}
