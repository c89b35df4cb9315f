// vitest's order for `npm test`: the slowest files first, so that on a fresh machine (no duration
// cache yet; vitest then keeps glob order) no long browser file starts last and serialises the
// end of the run on one of the two workers. Measured durations in seconds on the 2-core machine;
// files not listed follow in vitest's own order (by cached duration once a cache exists).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files known to take longest, in the order they should start (path suffix, seconds measured). */
export const SLOW_FILES: ReadonlyArray<readonly [string, number]> = [
  ['test/examples/pages.predict.webgpu.test.ts', 253],
  ['test/examples/pages.predict.webgl.test.ts', 180],
  ['test/examples/pages.volume3d.webgpu.test.ts', 140],
  ['test/examples/pages.train.test.ts', 114],
  ['test/docs/snippets.test.ts', 106],
  ['test/examples/pages.volume3d.test.ts', 100],
  ['test/io/kerasRoundTrip.test.ts', 101],
  ['test/browser/factories.test.ts', 86],
  ['test/examples/pages.augment.test.ts', 53],
  ['test/examples/demo.test.ts', 52],
  ['test/package/readme.test.ts', 50],
  ['test/models/unetr.test.ts', 45],
  ['test/models/swinUNETR.test.ts', 44],
  ['test/examples/pages.predict.wasm.test.ts', 43],
];

/** Rank of a file in {@link SLOW_FILES}, or the list's length for any other file. */
export function slowRank(moduleId: string): number {
  const index = SLOW_FILES.findIndex(([suffix]) => moduleId.endsWith(suffix));
  return index === -1 ? SLOW_FILES.length : index;
}

/** vitest's sequencer with {@link SLOW_FILES} moved to the front (a stable sort keeps the rest). */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted].sort((a, b) => slowRank(a.moduleId) - slowRank(b.moduleId));
  }
}
