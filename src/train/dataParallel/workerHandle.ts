import type { Worker as NodeWorker } from 'node:worker_threads';
import { UnetKitError } from '../../core/errors.js';
import { FN } from './options.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

// tsx (through vitest or `node --import tsx`) runs the sources, the package runs dist/: the
// worker is the sibling file with this module's extension (.ts or .js; the CJS build starts the
// ESM worker, which is a separate module graph anyway).
function workerEntry(): { url: string; typescript: boolean } {
  let base: string | undefined;
  try {
    base = import.meta.url;
  } catch {
    base = undefined;
  }
  if (typeof base !== 'string' || base === '') {
    // CJS build: import.meta is empty there.
    const filename = typeof __filename === 'string' ? __filename : undefined;
    if (filename === undefined) throw new UnetKitError(FN, 'worker', 'cannot locate workerEntry.js (no import.meta.url nor __filename).');
    base = `file://${filename.startsWith('/') ? '' : '/'}${filename.replace(/\\/g, '/')}`;
  }
  const typescript = /\.[cm]?ts$/.test(new URL(base).pathname);
  return { url: new URL(`./workerEntry.${typescript ? 'ts' : 'js'}`, base).href, typescript };
}

// The worker's bootstrap, eval'd: registers tsx for TypeScript sources, then imports the worker
// module. Only dynamic imports, so it runs whether Node evaluates it as CommonJS or (under an
// inherited --input-type=module) as an ES module.
const BOOTSTRAP = `
const threads = 'node:worker_threads';
import(threads).then(async ({ workerData, parentPort }) => {
  try {
    if (workerData.typescript) (await import('tsx/esm/api')).register();
    await import(workerData.entry);
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String((e && e.stack) || e) });
  }
});
`;

/**
 * One worker thread with request/reply bookkeeping; referenced (keeps Node alive) only while busy.
 * The first failure (a crash, an exit, a start-up error) rejects every pending and later call.
 *
 * @example
 * ```ts
 * const handle = WorkerHandle.spawn((await import('node:worker_threads')).Worker, init);
 * await handle.ready();
 * const data = new Float32Array(64);
 * const reply = await handle.call({ type: 'predict', id: 0, x: { data, shape: [1, 8, 8, 1], dtype: 'float32' } }, [data.buffer]);
 * ```
 */
export class WorkerHandle {
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;

  /** Starts a worker on `init` with the bootstrap that loads `workerEntry` next to this module. */
  static spawn(Worker: typeof NodeWorker, init: WorkerInit, callTimeoutMs = Infinity): WorkerHandle {
    const entry = workerEntry();
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { ...init, entry: entry.url, typescript: entry.typescript } });
    return new WorkerHandle(worker, init.index, callTimeoutMs);
  }

  private constructor(
    private readonly worker: NodeWorker,
    /** The worker's index, which every error names. */
    readonly index: number,
    private readonly callTimeoutMs: number,
  ) {
    const label = `worker ${index}`;
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') return;
      const id = m.id;
      if (id === undefined) {
        this.fail(new UnetKitError(FN, label, `failed to start: ${m.type === 'error' ? m.message : ''}`));
        return;
      }
      const p = this.pending.get(id);
      if (p === undefined) return;
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (m.type === 'error') p.reject(new UnetKitError(FN, label, `failed: ${m.message}`));
      else p.resolve(m);
    });
    worker.on('error', (e) => this.fail(new UnetKitError(FN, label, `crashed: ${String(e?.stack ?? e)}`)));
    worker.on('exit', (code) => this.fail(new UnetKitError(FN, label, `exited (code ${code}); the trainer cannot continue, dispose it and start a new one.`)));
  }

  /** Resolves when the worker has rebuilt the model. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        this.worker.off('error', onError);
        if (error !== undefined) return reject(error);
        this.worker.unref();
        resolve();
      };
      const onMessage = (m: WorkerReply) => {
        if (m.type === 'ready') settle();
        else if (m.type === 'error' && m.id === undefined) settle(new UnetKitError(FN, `worker ${this.index}`, `failed to start: ${m.message}`));
      };
      const onExit = (code: number) => settle(new UnetKitError(FN, `worker ${this.index}`, `exited (code ${code}) while starting.`));
      const onError = (e: Error) => settle(new UnetKitError(FN, `worker ${this.index}`, `failed to start: ${String(e?.stack ?? e)}`));
      this.worker.on('message', onMessage);
      this.worker.on('exit', onExit);
      this.worker.on('error', onError);
    });
  }

  /** Posts a message that gets no reply (`load`); a failure surfaces at the next `call`. */
  send(request: WorkerRequest): void {
    if (this.failure === undefined) this.worker.postMessage(request);
  }

  /** Posts `request` with `transfer` moved to the worker; resolves to its reply. */
  call(request: WorkerRequest & { id: number }, transfer: ArrayBuffer[]): Promise<WorkerReply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const clear = () => timer !== undefined && clearTimeout(timer);
      this.pending.set(request.id, {
        resolve: (reply) => (clear(), resolve(reply)),
        reject: (error) => (clear(), reject(error)),
      });
      if (Number.isFinite(this.callTimeoutMs)) {
        // A worker stuck in a loop (or a deadlocked loss) never replies: give up on it, naming it.
        timer = setTimeout(() => {
          this.fail(
            new UnetKitError(
              FN,
              `worker ${this.index}`,
              `did not answer its '${request.type}' request within options.callTimeoutMs = ${this.callTimeoutMs} ms (stuck or far too slow); it was terminated and the trainer cannot continue.`,
            ),
          );
          this.worker.removeAllListeners('exit');
          void this.worker.terminate();
        }, this.callTimeoutMs);
        // The busy worker keeps Node alive while it works; the timer must not outlive it.
        timer.unref?.();
      }
      this.worker.ref();
      this.worker.postMessage(request, transfer);
    });
  }

  /** Stops the worker; pending and later calls reject (with "was disposed." unless it had failed before). */
  async terminate(): Promise<void> {
    this.failure ??= new UnetKitError(FN, 'trainer', 'was disposed.');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    this.fail(this.failure);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
