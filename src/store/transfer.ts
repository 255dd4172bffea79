// Copies executions, their jobs and tasks, the values they produced and the cache entries of their
// calls from one store to another (SQLite ↔ PostgreSQL, either way), as redun's push and pull do.
// Only the Store interface is used, so any two stores work; copying again copies only what changed.
import { StoreError } from '../errors.ts';
import type { ExecutionRecord, JobRecord, Store } from './types.ts';

export interface TransferOptions {
  /** Execution ids or unique id prefixes to copy. @default every execution */
  executions?: readonly string[] | undefined;
  /** Hears about each execution as it is copied or skipped. */
  onExecution?: ((execution: ExecutionRecord, copied: boolean) => void) | undefined;
}

export interface TransferReport {
  /** Executions copied (new, or changed since the last copy). */
  executions: number;
  /** Executions the target already had in the same state. */
  unchanged: number;
  jobs: number;
  tasks: number;
  cacheEntries: number;
  /** Values copied, and their bytes. */
  values: number;
  bytes: number;
  /** Values the source no longer has (or that failed their checksum), so their cache entries stay behind. */
  missingValues: number;
}

const PAGE = 200;

/** Every execution of `store`, oldest first. */
async function allExecutions(store: Store): Promise<ExecutionRecord[]> {
  const found = new Map<string, ExecutionRecord>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listExecutions({ limit: PAGE, offset });
    for (const execution of page) found.set(execution.id, execution);
    if (page.length < PAGE) break;
  }
  return [...found.values()].sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
}

async function chosenExecutions(store: Store, ids: readonly string[]): Promise<ExecutionRecord[]> {
  const found: ExecutionRecord[] = [];
  for (const id of ids) {
    const execution = await store.getExecution(id);
    if (!execution) {
      throw new StoreError(`no execution has an id starting with '${id}' in ${describe(store)}`, {
        hint: 'baton log lists the executions of the configured store',
      });
    }
    found.push(execution);
  }
  return found;
}

/** How a store names itself in messages (never with a password). */
export function describe(store: Store): string {
  const description = store.describe();
  return description.kind === 'sqlite'
    ? description.path
    : `${description.url} (schema ${description.schema})`;
}

function sameState(a: ExecutionRecord, b: ExecutionRecord): boolean {
  return a.status === b.status && a.endedAt === b.endedAt && a.resultHash === b.resultHash;
}

class Copier {
  readonly report: TransferReport = {
    executions: 0,
    unchanged: 0,
    jobs: 0,
    tasks: 0,
    cacheEntries: 0,
    values: 0,
    bytes: 0,
    missingValues: 0,
  };
  private readonly from: Store;
  private readonly to: Store;
  /** Per value hash: whether the target has it (copied or found there) once the copy is done. */
  private readonly values = new Map<string, Promise<boolean>>();
  private readonly tasks = new Set<string>();
  private readonly calls = new Set<string>();

  constructor(from: Store, to: Store) {
    this.from = from;
    this.to = to;
  }

  async execution(execution: ExecutionRecord): Promise<boolean> {
    const there = await this.to.getExecution(execution.id);
    if (there && sameState(there, execution)) {
      this.report.unchanged++;
      return false;
    }
    const jobs = await this.from.listJobs(execution.id);
    await Promise.all(jobs.map((job) => this.task(job.taskHash)));
    const hashes = [execution.resultHash, ...jobs.map((job) => job.resultHash)];
    await Promise.all(hashes.map((hash) => this.value(hash)));
    const { counts: _counts, ...record } = execution;
    this.to.putExecution(record);
    for (const job of jobs) this.to.putJob(job);
    this.report.jobs += jobs.length;
    await Promise.all(jobs.map((job) => this.cacheEntry(job)));
    this.report.executions++;
    await this.to.pressure();
    return true;
  }

  private async task(hash: string): Promise<void> {
    if (this.tasks.has(hash)) return;
    this.tasks.add(hash);
    const task = await this.from.getTask(hash);
    if (!task || (await this.to.getTask(hash))) return;
    this.to.putTask(task);
    this.report.tasks++;
  }

  /** Copies the value unless the target has it; false when the source does not have it either. */
  private value(hash: string | undefined): Promise<boolean> {
    if (hash === undefined) return Promise.resolve(false);
    // One copy per hash, which concurrent jobs with the same result all wait for.
    let copied = this.values.get(hash);
    if (!copied) this.values.set(hash, (copied = this.copyValue(hash)));
    return copied;
  }

  private async copyValue(hash: string): Promise<boolean> {
    if (await this.to.hasValue(hash)) return true;
    const bytes = await this.from.getValue(hash);
    if (!bytes) {
      this.report.missingValues++;
      return false;
    }
    if (this.to.putValue(bytes) !== hash) {
      throw new StoreError(`value ${hash} changed while it was copied to ${describe(this.to)}`);
    }
    this.report.values++;
    this.report.bytes += bytes.byteLength;
    return true;
  }

  private async cacheEntry(job: JobRecord): Promise<void> {
    if ((job.status !== 'done' && job.status !== 'cached') || this.calls.has(job.evalHash)) return;
    this.calls.add(job.evalHash);
    const entry = await this.from.getCache(job.evalHash);
    // The target's own entry for the call is as good as ours, and it may be newer.
    if (!entry || (await this.to.getCache(job.evalHash))) return;
    if (!(await this.value(entry.valueHash))) return;
    this.to.putCache(entry);
    this.report.cacheEntries++;
  }
}

/**
 * Copies executions from `from` to `to` and flushes `to`. Executions the target has in the same
 * state are skipped, so a repeated push copies only what is new; values are copied once each.
 */
export async function transfer(
  from: Store,
  to: Store,
  options: TransferOptions = {},
): Promise<TransferReport> {
  const executions =
    options.executions && options.executions.length > 0
      ? await chosenExecutions(from, options.executions)
      : await allExecutions(from);
  const copier = new Copier(from, to);
  for (const execution of executions) {
    const copied = await copier.execution(execution);
    options.onExecution?.(execution, copied);
  }
  await to.flush();
  return copier.report;
}
