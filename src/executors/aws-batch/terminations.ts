// Which Batch jobs the scheduler still wants, and stopping the ones it no longer does: a job that runs
// several calls (calls_per_element) goes on while one of them is wanted; the cancels of one moment
// (a Ctrl-C over a fan-out) go out together, and an array whose every wanted child is cancelled is
// stopped with one TerminateJob of its parent.
import { awsMessage, type BatchApi } from './api.ts';
import { CANCEL_REASON } from './states.ts';
import type { ExecutorLogger } from '../types.ts';

/** TerminateJob requests under way at once when many jobs are cancelled together. */
const CONCURRENCY = 8;

const parentOf = (jobId: string) => (jobId.includes(':') ? jobId.slice(0, jobId.indexOf(':')) : undefined);

export class Terminations {
  private readonly api: BatchApi;
  private readonly logger: () => ExecutorLogger | undefined;
  /** Calls still wanted, by the Batch job (`id` or `parent:index`) that runs them. */
  private readonly wanted = new Map<string, Set<string>>();
  private readonly pending = new Set<string>();
  private flushing: Promise<void> | undefined;

  constructor(api: BatchApi, logger: () => ExecutorLogger | undefined) {
    this.api = api;
    this.logger = logger;
  }

  want(jobId: string, evalHash: string): void {
    const calls = this.wanted.get(jobId) ?? new Set<string>();
    calls.add(evalHash);
    this.wanted.set(jobId, calls);
  }

  /** The call no longer waits on its job (it ended, or was cancelled). */
  release(jobId: string, evalHash: string): void {
    const calls = this.wanted.get(jobId);
    calls?.delete(evalHash);
    if (calls?.size === 0) this.wanted.delete(jobId);
  }

  /** Cancels a call: its job is terminated, with the others of this moment, once no call of it is wanted. */
  cancel(jobId: string, evalHash: string): Promise<void> {
    this.release(jobId, evalHash);
    if (this.wanted.has(jobId)) return Promise.resolve();
    this.pending.add(jobId);
    this.flushing ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const ids = [...this.pending];
        this.pending.clear();
        this.flushing = undefined;
        void this.terminate(ids).then(resolve);
      }),
    );
    return this.flushing;
  }

  /** TerminateJob for each job, or once for an array whose every wanted child is among them. */
  private async terminate(ids: string[]): Promise<void> {
    const targets = new Set(ids);
    const parents = new Set(ids.map(parentOf).filter((parent) => parent !== undefined));
    for (const parent of parents) {
      const stillWanted = [...this.wanted.keys()].some((id) => parentOf(id) === parent);
      if (stillWanted) continue;
      for (const id of ids) if (parentOf(id) === parent) targets.delete(id);
      targets.add(parent);
    }
    const queue = [...targets];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await this.api.terminateJob(id, CANCEL_REASON);
        } catch (error) {
          this.logger()?.warn(`TerminateJob ${id} failed: ${awsMessage(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  }
}
