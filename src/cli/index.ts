/**
 * `unet-kit/cli`: the `unet-kit` command as a function, for scripts that chain `train`,
 * `predict` and `evaluate` without spawning processes (the bundled brain demo does). Node only:
 * it reads and writes files and is not re-exported by the package root.
 * @module unet-kit/cli
 */
export { MAIN_HELP, runCli } from './main.js';
export type { CliIO } from './terminal.js';
