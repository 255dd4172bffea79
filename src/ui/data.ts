// The dashboard's reads, through the Store interface: executions with their counts, an execution's
// derived view (kept while the execution does not change), and one job with everything around it.
import {
  executionLiveness,
  shownStatus,
  type ExecutionRecord,
  type ExecutionStatus,
  type Store,
} from '../store/index.ts';
import { isSecretKey, redact } from '../config/index.ts';
import { ExecutionView } from './execution-view.ts';
import { redactError } from './job-rows.ts';
import { labelArguments, previewStoredValue, previewText, type ValuePreview } from './preview.ts';
import { jobRow, type JobRow } from './job-rows.ts';
import type { SerializedError } from '../executors/index.ts';

/** A run recorded as running whose scheduler is gone shows as `lost`. */
export type ShownStatus = ExecutionStatus | 'lost';

export interface ExecutionSummary {
  id: string;
  taskName: string;
  argsPreview: string;
  status: ShownStatus;
  /** Why a `lost` run is not running any more. */
  lost: string | null;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  host: string;
  counts: NonNullable<ExecutionRecord['counts']>;
  /** Cache hits over jobs; null without jobs. */
  cacheHitRatio: number | null;
}

export interface ExecutionDetail extends ExecutionSummary {
  cwd: string;
  argv: string[];
  pid: number;
  resultHash: string | null;
  error: SerializedError | null;
}

export interface JobDetail {
  job: JobRow & {
    taskHash: string;
    evalHash: string;
    callHash: string | null;
    argsHash: string | null;
    resultHash: string | null;
    cachedFromJobId: string | null;
  };
  execution: ExecutionSummary | null;
  error: SerializedError | null;
  task: { name: string; hash: string; moduleUrl: string; source: string } | null;
  args: ValuePreview | null;
  result: ValuePreview | null;
  /** For a cache hit: the job and execution that computed the value. */
  cachedFrom: { jobId: string | null; execution: ExecutionSummary | null } | null;
  parent: { id: string; taskName: string } | null;
}

/** How many executions the search over ids, tasks and arguments looks through. */
export const SEARCH_WINDOW = 2_000;
/** Execution views kept in memory (the ones people are looking at). */
const VIEWS_KEPT = 4;

const MASK = '***';
const EMPTY_COUNTS = { jobs: 0, queued: 0, running: 0, done: 0, cached: 0, failed: 0, cancelled: 0 };

/**
 * Masks secrets in a command line: passwords in URLs, and the value of an option or `KEY=VALUE`
 * (`-o token=...`) whose name is a secret's (`--password x`, `--api-key=x`).
 */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    const assignment = /^(-{0,2})([^=-][^=]*)=(.+)$/.exec(arg);
    if (assignment)
      return isSecretKey(assignment[2]!) ? `${assignment[1]}${assignment[2]}=${MASK}` : redact(arg);
    const option = /^--?([^=-][^=]*)$/.exec(argv[i - 1] ?? '');
    if (option && !arg.startsWith('-') && isSecretKey(option[1]!)) return MASK;
    return redact(arg);
  });
}

/** An arguments preview with passwords in URLs masked, and secret-named keys when it is JSON. */
function redactPreview(text: string): string {
  try {
    return JSON.stringify(redact(JSON.parse(text) as unknown));
  } catch {
    return redact(text);
  }
}

export function summarize(e: ExecutionRecord, now = Date.now()): ExecutionSummary {
  const counts = { ...EMPTY_COUNTS, changedAt: undefined, ...e.counts };
  const liveness = executionLiveness(e, now);
  const lost = liveness.state === 'lost';
  return {
    id: e.id,
    taskName: e.taskName,
    argsPreview: redactPreview(e.argsPreview),
    status: lost ? 'lost' : e.status,
    lost: lost ? liveness.reason : null,
    startedAt: e.startedAt,
    endedAt: e.endedAt ?? null,
    durationMs: e.endedAt === undefined ? null : Math.max(0, e.endedAt - e.startedAt),
    host: e.host,
    counts,
    cacheHitRatio: counts.jobs === 0 ? null : counts.cached / counts.jobs,
  };
}

/** What tells one state of an execution from the next: a changed signature means a fresh view. */
export function signature(e: ExecutionRecord, now = Date.now()): string {
  return JSON.stringify([shownStatus(e, now), e.endedAt, e.counts]);
}

export interface ExecutionsQuery {
  status?: ShownStatus | undefined;
  taskName?: string | undefined;
  /** Matched against ids (prefix), task names, arguments and hosts. */
  search?: string | undefined;
  offset: number;
  limit: number;
}

function matchesSearch(e: ExecutionRecord, needle: string): boolean {
  return (
    e.id.startsWith(needle) ||
    e.taskName.toLowerCase().includes(needle) ||
    e.argsPreview.toLowerCase().includes(needle) ||
    e.host.toLowerCase().includes(needle)
  );
}

export class DashboardData {
  readonly store: Store;
  private readonly views = new Map<string, { signature: string; view: Promise<ExecutionView> }>();

  constructor(store: Store) {
    this.store = store;
  }

  /**
   * A page of executions, newest first. Running and lost runs are both recorded as running, and a
   * search looks at every field: those read the newest SEARCH_WINDOW and filter them here.
   */
  async executions(q: ExecutionsQuery): Promise<{ executions: ExecutionSummary[]; more: boolean }> {
    const byLiveness = q.status === 'running' || q.status === 'lost';
    if (!byLiveness && q.search === undefined) {
      const filter = { status: q.status, taskName: q.taskName };
      const found = await this.store.listExecutions({ ...filter, offset: q.offset, limit: q.limit + 1 });
      return { executions: found.slice(0, q.limit).map((e) => summarize(e)), more: found.length > q.limit };
    }
    const now = Date.now();
    const needle = q.search?.toLowerCase();
    const records = await this.store.listExecutions({
      status: byLiveness ? 'running' : q.status,
      taskName: q.taskName,
      limit: SEARCH_WINDOW,
    });
    const matches = records.filter(
      (e) =>
        (needle === undefined || matchesSearch(e, needle)) &&
        (!byLiveness || shownStatus(e, now) === q.status),
    );
    const page = matches.slice(q.offset, q.offset + q.limit);
    return { executions: page.map((e) => summarize(e, now)), more: matches.length > q.offset + q.limit };
  }

  async execution(id: string): Promise<ExecutionRecord | undefined> {
    return this.store.getExecution(id);
  }

  detail(e: ExecutionRecord): ExecutionDetail {
    return {
      ...summarize(e),
      cwd: e.cwd,
      argv: redactArgv(e.argv),
      pid: e.pid,
      resultHash: e.resultHash ?? null,
      error: redactError(e.error),
    };
  }

  /** The derived view of the execution as it is now (built again only when it changed). */
  view(e: ExecutionRecord): Promise<ExecutionView> {
    const sig = signature(e);
    const kept = this.views.get(e.id);
    if (kept && kept.signature === sig) {
      // Most recently used last, so the oldest goes first.
      this.views.delete(e.id);
      this.views.set(e.id, kept);
      return kept.view;
    }
    const view = this.store.listJobs(e.id).then((jobs) => new ExecutionView(jobs));
    this.views.set(e.id, { signature: sig, view });
    view.catch(() => this.views.delete(e.id));
    while (this.views.size > VIEWS_KEPT) this.views.delete(this.views.keys().next().value!);
    return view;
  }

  /** A page of the execution's jobs in the order they were queued, read as a page from the store. */
  async jobsInOrder(
    e: ExecutionRecord,
    offset: number,
    limit: number,
  ): Promise<{ total: number; jobs: JobRow[] }> {
    const jobs = await this.store.listJobs(e.id, { offset, limit });
    return { total: e.counts?.jobs ?? jobs.length, jobs: jobs.map(jobRow) };
  }

  async job(id: string): Promise<JobDetail | undefined> {
    const job = await this.store.getJob(id);
    if (!job) return undefined;
    const [execution, task, parent, source] = await Promise.all([
      this.store.getExecution(job.executionId),
      this.store.getTask(job.taskHash),
      job.parentId === undefined ? undefined : this.store.getJob(job.parentId),
      job.cachedFromJobId === undefined ? undefined : this.store.getJob(job.cachedFromJobId),
    ]);
    const sourceExecution =
      job.cachedFromExecutionId === undefined
        ? undefined
        : await this.store.getExecution(job.cachedFromExecutionId);
    // A cache hit ran nothing: its arguments are those of the job that computed the value.
    const argsHash = job.argsHash ?? source?.argsHash;
    const [stored, result] = await Promise.all([
      previewStoredValue(this.store, argsHash, (value) => labelArguments(value, task?.source)),
      previewStoredValue(this.store, job.resultHash),
    ]);
    const args =
      stored ?? previewText(jobRow(job).argsPreview ?? (source && jobRow(source).argsPreview), task?.source);
    return {
      job: {
        ...jobRow(job),
        taskHash: job.taskHash,
        evalHash: job.evalHash,
        callHash: job.callHash ?? null,
        argsHash: argsHash ?? null,
        resultHash: job.resultHash ?? null,
        cachedFromJobId: job.cachedFromJobId ?? null,
      },
      execution: execution ? summarize(execution) : null,
      error: redactError(job.error),
      task: task
        ? { name: task.name, hash: task.hash, moduleUrl: task.moduleUrl, source: task.source }
        : null,
      args,
      result,
      cachedFrom:
        job.status === 'cached' || job.cachedFromExecutionId !== undefined
          ? {
              jobId: job.cachedFromJobId ?? null,
              execution: sourceExecution ? summarize(sourceExecution) : null,
            }
          : null,
      parent: parent ? { id: parent.id, taskName: parent.taskName } : null,
    };
  }
}
