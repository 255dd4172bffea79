// Gathers the submissions of a burst into batches (array jobs): calls that share a key (same task,
// same engine options: sbatch flags, a Batch queue) and arrive together go out as one, as soon as the
// burst has ended, with no fixed wait. A job counts as arriving from its engine's `find` until it is
// submitted or skipped.
import type { JobRequest } from '../types.ts';

/** A batch goes out even while jobs of its burst are still staging, after this long. */
const MAX_WAIT_MS = 5000;

interface Waiting<H> {
  job: JobRequest;
  resolve: (handle: H) => void;
  reject: (error: unknown) => void;
}

interface Group<H> {
  /** Jobs announced by `find` that have not reached `add` or been skipped yet. */
  coming: Set<string>;
  waiting: Array<Waiting<H>>;
  immediate: NodeJS.Immediate | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Submits one batch; resolves with one handle per job, in order. */
export type SubmitBatch<H> = (key: string, jobs: JobRequest[]) => Promise<H[]>;

export class SubmitBatcher<H> {
  private readonly maxSize: number;
  private readonly submit: SubmitBatch<H>;
  private readonly groups = new Map<string, Group<H>>();
  /** jobId → key, for `skip`. */
  private readonly keys = new Map<string, string>();

  constructor(maxSize: number, submit: SubmitBatch<H>) {
    this.maxSize = maxSize;
    this.submit = submit;
  }

  private group(key: string): Group<H> {
    let group = this.groups.get(key);
    if (!group) {
      group = { coming: new Set(), waiting: [], immediate: undefined, timer: undefined };
      this.groups.set(key, group);
    }
    return group;
  }

  /** A job of `key` is on its way to `add` (or `skip`). */
  expect(key: string, job: JobRequest): void {
    this.group(key).coming.add(job.jobId);
    this.keys.set(job.jobId, key);
  }

  /** The job will not be submitted after all; its batch need not wait for it. Idempotent. */
  skip(job: JobRequest): void {
    const key = this.keys.get(job.jobId);
    const group = key === undefined ? undefined : this.groups.get(key);
    this.keys.delete(job.jobId);
    if (key !== undefined && group?.coming.delete(job.jobId)) this.check(key, group);
  }

  /** Puts the job into its key's next batch; resolves with its handle once the batch is submitted. */
  add(key: string, job: JobRequest): Promise<H> {
    const group = this.group(key);
    group.coming.delete(job.jobId);
    this.keys.delete(job.jobId);
    return new Promise<H>((resolve, reject) => {
      group.waiting.push({ job, resolve, reject });
      if (group.waiting.length >= this.maxSize) this.send(key, group, group.waiting.splice(0, this.maxSize));
      else if (group.waiting.length === 1) {
        group.timer = setTimeout(() => this.sendAll(key, group), MAX_WAIT_MS);
      }
      this.check(key, group);
    });
  }

  /** When no job of the burst is still coming, the batch goes out at the next macrotask. */
  private check(key: string, group: Group<H>): void {
    if (group.coming.size > 0 || group.waiting.length === 0 || group.immediate) return;
    group.immediate = setImmediate(() => {
      group.immediate = undefined;
      if (group.coming.size === 0) this.sendAll(key, group);
    });
  }

  private sendAll(key: string, group: Group<H>): void {
    clearTimeout(group.timer);
    group.timer = undefined;
    while (group.waiting.length > 0) this.send(key, group, group.waiting.splice(0, this.maxSize));
    if (group.coming.size === 0 && !group.immediate) this.groups.delete(key);
  }

  private send(key: string, group: Group<H>, batch: Array<Waiting<H>>): void {
    if (group.waiting.length === 0) {
      clearTimeout(group.timer);
      group.timer = undefined;
    }
    this.submit(
      key,
      batch.map((item) => item.job),
    ).then(
      (handles) => batch.forEach((item, i) => item.resolve(handles[i]!)),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }
}
