// The package's type declarations: tsc's per-file `.d.ts` of src/ copied into dist/, each also as
// a `.d.cts` for `require` consumers whose relative specifiers point at the `.cjs` siblings (as
// tsup.config.ts does for the code). tsc writes them, not tsup: tsup's declaration pass rebuilt
// every one of ~270 entries through rollup and took 75 s of one core, while tsc emits them in
// the type check it does anyway (`npm test`: scripts/checks.mjs) or in one pass of src/ (`npm run build`).
//
//   node scripts/declarations.mjs <dir>   <dir> holds tsc's output for src/ (its src/ subfolder when
//                                         tsc compiled the whole project)
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { toCjsSpecifiers } from './cjsSpecifiers.mjs';

const from = process.argv[2];
if (from === undefined || !existsSync(from)) {
  console.error(`scripts/declarations.mjs: the declaration folder ${JSON.stringify(from)} does not exist; pass the folder tsc wrote the .d.ts files to`);
  process.exit(1);
}
const source = existsSync(join(from, 'src', 'index.d.ts')) ? join(from, 'src') : from;
if (!existsSync(join(source, 'index.d.ts'))) {
  console.error(`scripts/declarations.mjs: ${source} has no index.d.ts: is it tsc's declaration output of src/?`);
  process.exit(1);
}

/** Every `.d.ts` under `dir`, recursively. */
async function declarations(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await declarations(path)));
    else if (entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

// A declaration whose source file is gone (left in the folder by an earlier run) is not copied.
const files = (await declarations(source)).filter((file) => existsSync(join('src', relative(source, file)).replace(/\.d\.ts$/, '.ts')));
for (const file of files) {
  const text = await readFile(file, 'utf8');
  const target = join('dist', relative(source, file));
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
  await writeFile(target.replace(/\.d\.ts$/, '.d.cts'), toCjsSpecifiers(text));
}
console.log(`declarations: ${files.length} .d.ts and .d.cts files from ${source} in dist/`);
