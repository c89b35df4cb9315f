#!/usr/bin/env node
// The `unet-kit` executable (package.json "bin"): the commands live in main.ts. No top-level
// await, so the CJS build of this file compiles too.
import { runCli } from './main.js';

void runCli(process.argv.slice(2), {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  progress: process.stderr,
}).then((code) => {
  process.exitCode = code;
});
