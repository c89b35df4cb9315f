// `npm test`'s first stage: the type check, the lint and the build at once (each is mostly one
// core's work), so they take the longest one's time instead of the sum. The type check also
// writes the declarations of src/ (out/types), which then go into dist/ as `npm run build`'s do
// (scripts/declarations.mjs): one tsc pass instead of a check and a second declaration build. Each command's output is printed whole when it ends, so the logs do not interleave;
// the exit code is the first failure's (1 when one was killed by a signal), and all are awaited.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';

const COMMANDS = [
  ['typecheck', 'tsc', ['-p', 'tsconfig.json', '--noEmit', 'false', '--emitDeclarationOnly', '--declarationDir', 'out/types']],
  ['lint', 'eslint', ['.']],
  ['build', 'tsup', []],
];

/** Runs `bin` from node_modules/.bin, collecting stdout and stderr in order. */
function run(name, bin, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(bin === 'node' ? process.execPath : `node_modules/.bin/${bin}`, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('error', (error) => {
      chunks.push(Buffer.from(`${bin} did not start: ${error.message}\n`));
      resolve({ name, code: 1, output: Buffer.concat(chunks).toString(), seconds: 0 });
    });
    child.on('close', (code, signal) => {
      resolve({ name, code: code ?? (signal === null ? 0 : 1), output: Buffer.concat(chunks).toString(), seconds: (Date.now() - started) / 1000 });
    });
  });
}

const results = await Promise.all(COMMANDS.map(([name, bin, args]) => run(name, bin, args)));
// The declarations into dist/ once tsc wrote them and tsup (whose `clean` empties dist/) is done.
if (results.every((r) => r.code === 0)) results.push(await run('declarations', 'node', ['scripts/declarations.mjs', 'out/types']));
for (const { name, code, output, seconds } of results) {
  // tsup lists every file it writes: its summary lines are enough on success.
  const shown = name === 'build' && code === 0 ? output.split('\n').filter((l) => /Build success/.test(l)).join('\n') : output.trim();
  console.log(`\n> ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s${shown === '' ? '' : `\n${shown}`}`);
}
const failed = results.find((r) => r.code !== 0);
process.exitCode = failed === undefined ? 0 : failed.code;
