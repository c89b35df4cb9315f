import { closestMatch } from '../core/didYouMean.js';
import { fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { flagHelp, parseFlags, type FlagTable, type ParsedFlags } from './args.js';
import { EVALUATE_FLAGS, runEvaluate } from './evaluate.js';
import { PREDICT_FLAGS, runPredict } from './predict.js';
import type { CliIO } from './terminal.js';
import { TRAIN_FLAGS, runTrain } from './train.js';

const COMMANDS: Record<string, { flags: FlagTable; usage: string; run: (flags: ParsedFlags, io: CliIO) => Promise<unknown> }> = {
  train: { flags: TRAIN_FLAGS, usage: 'usage: unet-kit train --images PATHS --labels PATHS --out DIR [options]', run: runTrain },
  predict: { flags: PREDICT_FLAGS, usage: 'usage: unet-kit predict --model RUN --input PATHS --out PATH [--tta] [--largest-component]', run: runPredict },
  evaluate: { flags: EVALUATE_FLAGS, usage: 'usage: unet-kit evaluate --pred PATHS --truth PATHS [--json FILE] [--csv FILE]', run: runEvaluate },
};

/** The top-level `unet-kit --help`. */
export const MAIN_HELP = `unet-kit: train, predict and evaluate U-Nets on NIfTI volumes and PNG images.

usage: unet-kit <command> [flags]

commands:
  train      plan and train a network on images and label maps; writes a run folder with report.html
  predict    segment scans with a trained run; writes NIfTI (input geometry) or PNG masks
  evaluate   score predictions against references: Dice, IoU, HD95, ASSD, NSD per case and class

'unet-kit <command> --help' lists the flags of a command.`;

/**
 * Runs the CLI on `argv` (without `node` and the script), as the `unet-kit` binary does: returns
 * the process exit code, 0 on success, 2 on a usage error or a failure the message explains (an
 * `UnetKitError`), 1 on an unexpected error. Results go to `io.log`, errors to `io.error`, and
 * progress bars to `io.progress` (a TTY stream gets live bars; anything else gets none).
 *
 * Throws `UnetKitError` itself only for a malformed call (`argv` not an array of strings, `io`
 * missing `log`, `error` or `progress.write`); everything about the command line is an exit code.
 *
 * @example
 * ```ts
 * // A script that chains the commands, the way `npm run demo` does.
 * const lines: string[] = [];
 * const code = await runCli(['evaluate', '--help'], {
 *   log: (line) => lines.push(line),
 *   error: (line) => console.error(line),
 *   progress: process.stderr,
 * });
 * console.log(code, lines[0]); // 0 'usage: unet-kit evaluate --pred PATHS --truth PATHS ...'
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO & { error: (line: string) => void }): Promise<number> {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) {
    fail('runCli', 'argv', argv, "an array of strings, the arguments after the script (e.g. ['train', '--images', 'scans/'])");
  }
  const ioShape = io as Partial<CliIO & { error: unknown }> | null | undefined;
  if (typeof ioShape?.log !== 'function' || typeof ioShape.error !== 'function' || typeof ioShape.progress?.write !== 'function') {
    fail('runCli', 'io', io, '{ log(line), error(line), progress: a stream with write(chunk) } (e.g. process.stderr for progress)');
  }
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.log(MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  const spec = COMMANDS[command];
  if (spec === undefined) {
    const match = closestMatch(command, Object.keys(COMMANDS));
    io.error(`unet-kit: unknown command '${command}'.${match === undefined ? '' : ` Did you mean '${match}'?`} Commands: ${Object.keys(COMMANDS).join(', ')}.`);
    return 2;
  }
  try {
    const flags = parseFlags(command, rest, spec.flags);
    if (flags.help === true) {
      io.log(flagHelp(spec.usage, spec.flags));
      return 0;
    }
    await spec.run(flags, io);
    return 0;
  } catch (error) {
    if (error instanceof UnetKitError) {
      io.error(`error: ${error.message}`);
      return 2;
    }
    io.error(`unet-kit ${command} failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
