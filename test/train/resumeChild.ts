// Child process of the exact-resume crash test (test/train/trainingState.test.ts): trains the
// run of resumeRun.ts on the cpu backend with a resumable checkpoint into argv[2] after every
// epoch, printing `epoch N` once epoch N's checkpoint is on disk, until the parent SIGKILLs it.
import { useBackend } from '../../src/backend/useBackend.js';
import { checkpoint } from '../../src/train/checkpoint.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { dataRng, resumeData, resumeDataset, resumeModel, trainEpochs } from './resumeRun.js';

const dir = process.argv[2]!;
await useBackend('cpu');
const { model, schedule } = resumeModel();
const { x, y } = resumeData();
const rng = dataRng();
const saved = new tfl.CustomCallback({ onEpochEnd: async (epoch) => void process.stdout.write(`epoch ${epoch + 1}\n`) });
await trainEpochs(model, resumeDataset(x, y, rng), schedule, {
  callbacks: [checkpoint(dir, { resumable: true, saveBestOnly: false, monitor: 'loss', schedule, rngs: { data: rng } }), saved],
});
process.stdout.write('finished\n');
