// Child process of the crash-safety checks (test/io/atomicDir.test.ts, bench/crashSafety.ts):
// rewrites the model directory argv[2] again and again until it is killed. Save k fills every
// weight with the value k, so a reader can tell a consistent checkpoint (one value everywhere,
// matching SHA-256) from a torn one. argv[3] is a model.json saved by saveModel, the template of
// every save. argv[4] = 'in-place' writes the two files over the old ones as saveModel did before
// it was crash-safe (the control of the bench), else through writeDirAtomically like saveModel.
import { writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDirAtomically } from '../../src/io/atomicDir.js';
import { INTEGRITY_KEY, sha256Hex } from '../../src/io/weightManifest.js';

const [dir, templatePath, mode] = process.argv.slice(2) as [string, string, string | undefined];
const template = JSON.parse(await readFile(templatePath, 'utf8')) as Record<string, { weightBytes: number }>;
const weightBytes = template[INTEGRITY_KEY]!.weightBytes;
process.stdout.write('ready\n');
for (let k = 1; ; k++) {
  const weights = new Uint8Array(new Float32Array(weightBytes / 4).fill(k).buffer);
  const modelJson = JSON.stringify({ ...template, [INTEGRITY_KEY]: { weightBytes, sha256: await sha256Hex(weights) } });
  if (mode === 'in-place') {
    await writeFile(join(dir, 'weights.bin'), weights);
    await writeFile(join(dir, 'model.json'), modelJson);
  } else {
    await writeDirAtomically('saveModel', dir, [
      { name: 'weights.bin', data: weights },
      { name: 'model.json', data: modelJson },
    ], ['model.json', 'weights.bin']);
  }
  process.stdout.write(`saved ${k}\n`);
}
