import { UnetKitError } from '../../core/errors.js';
import { importNodeBuiltin } from '../../core/platform.js';
import { FN } from './options.js';
import type { WireTensor, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';
import { WorkerHandle } from './workerHandle.js';

/**
 * A request for one worker's shard of a batch; {@link WorkerPool.scatter} numbers it.
 *
 * @example `const request: ShardRequest = { type: 'predict', x: xw };`
 */
export type ShardRequest = { type: 'grad'; x: WireTensor; y: WireTensor } | { type: 'predict'; x: WireTensor };

/**
 * The started workers of one trainer, run one request at a time.
 *
 * @example
 * ```ts
 * const pool = await WorkerPool.start(init, 2);
 * const replies = await pool.serial(() => pool.scatter([{ type: 'predict', x: xw }, { type: 'predict', x: xw }]));
 * await pool.dispose();
 * ```
 */
export class WorkerPool {
  private nextId = 0;
  private disposed = false;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly handles: readonly WorkerHandle[]) {}

  /**
   * Starts `count` workers on `init` (worker `i` gets `index: i`) and resolves once every one
   * has rebuilt the model; if one fails to start, all are terminated and the error is thrown.
   */
  static async start(init: Omit<WorkerInit, 'index'>, count: number, callTimeoutMs = Infinity): Promise<WorkerPool> {
    const { Worker } = await importNodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
    const handles: WorkerHandle[] = [];
    try {
      for (let index = 0; index < count; index++) handles.push(WorkerHandle.spawn(Worker, { ...init, index }, callTimeoutMs));
      await Promise.all(handles.map((h) => h.ready()));
    } catch (e) {
      await Promise.all(handles.map((h) => h.terminate()));
      throw e;
    }
    return new WorkerPool(handles);
  }

  /** The number of workers. */
  get size(): number {
    return this.handles.length;
  }

  /** Runs `f` after every earlier call has settled: the shared buffers serve one request at a time. */
  serial<T>(f: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new UnetKitError(FN, 'trainer', 'was disposed.'));
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Posts `request` (one without a reply, `load`) to every worker. */
  broadcast(request: WorkerRequest): void {
    for (const h of this.handles) h.send(request);
  }

  /** Sends `requests[i]` to worker `i`, moving its arrays there, and resolves to the replies in order. */
  scatter(requests: readonly ShardRequest[]): Promise<WorkerReply[]> {
    return Promise.all(
      requests.map((r, i) => {
        const request = { ...r, id: this.nextId++ };
        const transfer = [r.x.data.buffer as ArrayBuffer];
        if (r.type === 'grad') transfer.push(r.y.data.buffer as ArrayBuffer);
        return this.handles[i]!.call(request, transfer);
      }),
    );
  }

  /**
   * Terminates the workers now (a running call rejects with "was disposed."), then waits for
   * that call to settle. Idempotent. Never waits on a worker: a stuck one is terminated too.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.handles.map((h) => h.terminate()));
    await this.queue;
  }
}
