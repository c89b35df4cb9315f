import { UnetKitError } from '../core/errors.js';
import { importNodeBuiltin } from '../core/platform.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

/** One file of a directory written by {@link writeDirAtomically}. */
export interface DirFile {
  /** File name inside the directory (no separators). */
  readonly name: string;
  /** Contents: bytes, or a string written as UTF-8. */
  readonly data: Uint8Array | string;
}

/** The sibling paths {@link writeDirAtomically} uses next to `dir`. */
export interface SiblingPaths {
  /** Parent directory of `dir`. */
  readonly parent: string;
  /** Prefix of the temporary directories new contents are written to: `.<name>.tmp-`. */
  readonly tempPrefix: string;
  /** Where the previous contents wait while the new ones are renamed into place: `.<name>.previous`. */
  readonly previous: string;
}

/** The temporary and previous-version siblings of `dir` (same parent, so renames stay on one file system). */
export function siblingPaths(path: Path, dir: string): SiblingPaths {
  const resolved = path.resolve(dir);
  const parent = path.dirname(resolved);
  const name = path.basename(resolved);
  return { parent, tempPrefix: `.${name}.tmp-`, previous: path.join(parent, `.${name}.previous`) };
}

function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code !== undefined ? `${e.code}: ${e.message}` : String((error as Error).message ?? error);
}

async function writeAndSync(fs: Fs, file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory so the renames and creations inside it survive a power cut. */
async function syncDir(fs: Fs, dir: string): Promise<void> {
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or fsync a directory; its renames are durable once they return.
  } finally {
    await handle?.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary siblings left by writers that died mid-save (their pid is no longer running). */
async function removeStaleTemps(fs: Fs, path: Path, siblings: SiblingPaths): Promise<void> {
  const entries = await fs.readdir(siblings.parent).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(siblings.tempPrefix)) continue;
    const pid = Number(entry.slice(siblings.tempPrefix.length).split('-')[0]);
    // A live writer (this process included) may still be filling its temporary directory.
    if (Number.isInteger(pid) && (pid === process.pid || isAlive(pid))) continue;
    await fs.rm(path.join(siblings.parent, entry), { recursive: true, force: true });
  }
}

async function kindOf(fs: Fs, target: string): Promise<'missing' | 'dir' | 'other'> {
  try {
    return (await fs.lstat(target)).isDirectory() ? 'dir' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/**
 * Replaces the contents of directory `dir` with `files` so that a crash at any moment (SIGKILL,
 * power cut) leaves either the old or the new contents readable, never a mix or nothing:
 *
 * 1. write every file into a fresh sibling `.<name>.tmp-<pid>-<random>`, fsync each file and the
 *    directory;
 * 2. rename the current `dir` to `.<name>.previous` (no rename replaces a non-empty directory);
 * 3. rename the temporary directory to `dir`, fsync the parent;
 * 4. delete `.<name>.previous`.
 *
 * A crash between 2 and 3 leaves `dir` missing and the old contents complete in
 * `.<name>.previous`: {@link readableDir} (and so `loadModel`) falls back to it, and the next
 * write keeps it until the new contents are in place. The classic write-temp-fsync-rename recipe
 * (as in SQLite's and LevelDB's manifests) lifted from a file to a directory.
 *
 * Refuses a `dir` that is a file, or that holds entries not in `allowedEntries`: the swap
 * replaces the whole directory, so it must be one this function owns.
 *
 * @param functionName - The public function the errors name (`'saveModel'`).
 * @param dir - The directory to (re)write.
 * @param files - Its complete new contents.
 * @param allowedEntries - Names the previous contents may hold (other names: an error).
 * @example `await writeDirAtomically('saveModel', './ckpt', [{ name: 'model.json', data: '{}' }], ['model.json']);`
 */
export async function writeDirAtomically(functionName: string, dir: string, files: readonly DirFile[], allowedEntries: readonly string[]): Promise<void> {
  const [fs, path, crypto] = await Promise.all([
    importNodeBuiltin<Fs>('fs/promises'),
    importNodeBuiltin<Path>('path'),
    importNodeBuiltin<typeof import('node:crypto')>('crypto'),
  ]);
  const target = path.resolve(dir);
  const siblings = siblingPaths(path, dir);
  const problem = (what: string, error: unknown): UnetKitError =>
    new UnetKitError(functionName, 'dir', `is '${dir}', ${what} (${describeFsError(error)}).`);

  try {
    await fs.mkdir(siblings.parent, { recursive: true });
  } catch (error) {
    const hint = ['ENOTDIR', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '') ? ', because a part of its parent path is a file' : '';
    throw problem(`whose parent directory cannot be created${hint}`, error);
  }
  const kind = await kindOf(fs, target).catch((error: unknown) => {
    throw problem('which cannot be inspected', error);
  });
  if (kind === 'other') {
    throw new UnetKitError(functionName, 'dir', `is '${dir}', which is a file; expected a directory path (new or written by ${functionName}).`);
  }
  if (kind === 'dir') {
    const foreign = (await fs.readdir(target)).filter((entry) => !allowedEntries.includes(entry));
    if (foreign.length > 0) {
      throw new UnetKitError(
        functionName,
        'dir',
        `is '${dir}', which holds entries ${functionName} did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); ` +
          `${functionName} replaces the whole directory to stay crash-safe, so give it a directory of its own.`,
      );
    }
  }
  await removeStaleTemps(fs, path, siblings);

  const temp = path.join(siblings.parent, `${siblings.tempPrefix}${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    await fs.mkdir(temp);
    for (const file of files) await writeAndSync(fs, path.join(temp, file.name), file.data);
    await syncDir(fs, temp);
    if (kind === 'dir') {
      // A previous copy left by a crash is older than the complete `dir` we are about to move there.
      await fs.rm(siblings.previous, { recursive: true, force: true });
      await fs.rename(target, siblings.previous);
    }
    await fs.rename(temp, target);
    await syncDir(fs, siblings.parent);
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw problem('which could not be written', error);
  }
  await fs.rm(siblings.previous, { recursive: true, force: true });
}

/**
 * The directory to read a checkpoint from: `dir` when it exists, else the `.<name>.previous`
 * copy a crash in the middle of {@link writeDirAtomically}'s swap left behind, else `dir`
 * (whose absence the caller reports).
 *
 * @example `const from = await readableDir('./ckpt');`
 */
export async function readableDir(dir: string): Promise<string> {
  const [fs, path] = await Promise.all([importNodeBuiltin<Fs>('fs/promises'), importNodeBuiltin<Path>('path')]);
  if ((await kindOf(fs, path.resolve(dir)).catch(() => 'other')) !== 'missing') return dir;
  const { previous } = siblingPaths(path, dir);
  return (await kindOf(fs, previous).catch(() => 'missing')) === 'dir' ? previous : dir;
}
