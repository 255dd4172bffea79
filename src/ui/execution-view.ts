// Everything the execution page shows that needs all of an execution's jobs (graph, per-task
// summary, histogram, timeline, filtered and sorted job pages), computed once per state of the
// execution and then served a slice at a time, so a 10,000-job execution stays quick.
import type { JobRecord, JobStatus } from '../store/index.ts';
import { JOB_STATUSES, jobRow, type JobRow } from './job-rows.ts';
import { buildTimeline, type Timeline } from './timeline.ts';

export type StatusCounts = Record<JobStatus, number>;

export interface TaskSummary {
  taskName: string;
  jobs: number;
  counts: StatusCounts;
  /** Durations (ms) of the jobs that ran, cache hits excluded. */
  durations: { count: number; min: number; p50: number; p95: number; max: number; mean: number } | null;
}

export interface Histogram {
  /** Upper bounds of the buckets in ms; the last bucket is everything above the one before. */
  bounds: number[];
  /** Jobs per bucket for each task, and `*` for all of them. */
  counts: Record<string, number[]>;
}

export interface GraphNode {
  id: string;
  taskName: string;
  status: JobStatus;
  executor: string;
  durationMs: number | null;
  children: number;
  /** Statuses of every job below this one. */
  below: StatusCounts;
}

export interface JobFilter {
  status?: JobStatus | undefined;
  taskName?: string | undefined;
  /** Matches a prefix of the id, or a part of the task name, executor or error. */
  search?: string | undefined;
  sort?: 'queued' | 'started' | 'duration' | 'task' | 'status' | undefined;
  descending?: boolean | undefined;
  offset: number;
  limit: number;
}

const HISTOGRAM_BOUNDS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  1_800_000, 3_600_000,
];

export function zeroCounts(): StatusCounts {
  return { queued: 0, running: 0, done: 0, cached: 0, failed: 0, cancelled: 0 };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function bucketOf(ms: number): number {
  const i = HISTOGRAM_BOUNDS.findIndex((bound) => ms <= bound);
  return i < 0 ? HISTOGRAM_BOUNDS.length : i;
}

export class ExecutionView {
  readonly rows: JobRow[];
  private readonly index = new Map<string, number>();
  /** Row indexes of each job's children; roots under ''. */
  private readonly children = new Map<string, number[]>();
  private readonly below: StatusCounts[];
  private timelineCache: Timeline | undefined;
  private tasksCache: TaskSummary[] | undefined;
  private histogramCache: Histogram | undefined;

  constructor(jobs: readonly JobRecord[]) {
    this.rows = jobs.map(jobRow);
    this.rows.forEach((row, i) => this.index.set(row.id, i));
    for (let i = 0; i < this.rows.length; i++) {
      const parent = this.rows[i]!.parentId;
      const key = parent !== null && this.index.has(parent) ? parent : '';
      const list = this.children.get(key);
      if (list) list.push(i);
      else this.children.set(key, [i]);
    }
    this.below = this.rows.map(() => zeroCounts());
    // Children are queued after their parent (ids are time-ordered), so a reverse pass sums bottom-up.
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i]!;
      const parent = row.parentId === null ? undefined : this.index.get(row.parentId);
      if (parent === undefined || parent >= i) continue;
      const into = this.below[parent]!;
      const mine = this.below[i]!;
      into[row.status]++;
      for (const status of JOB_STATUSES) into[status] += mine[status];
    }
  }

  row(id: string): JobRow | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.rows[i];
  }

  /** The children of `parentId` ('' for the roots), a page at a time. */
  graph(parentId: string, offset: number, limit: number): { total: number; nodes: GraphNode[] } {
    const kids = this.children.get(parentId) ?? [];
    const nodes = kids.slice(offset, offset + limit).map((i): GraphNode => {
      const row = this.rows[i]!;
      return {
        id: row.id,
        taskName: row.taskName,
        status: row.status,
        executor: row.executor,
        durationMs: row.durationMs,
        children: this.children.get(row.id)?.length ?? 0,
        below: this.below[i]!,
      };
    });
    return { total: kids.length, nodes };
  }

  jobs(filter: JobFilter): { total: number; jobs: JobRow[] } {
    const search = filter.search?.toLowerCase();
    let rows = this.rows.filter(
      (row) =>
        (filter.status === undefined || row.status === filter.status) &&
        (filter.taskName === undefined || row.taskName === filter.taskName) &&
        (search === undefined ||
          row.id.startsWith(search) ||
          row.taskName.toLowerCase().includes(search) ||
          row.executor.toLowerCase().includes(search) ||
          (row.error !== null && `${row.error.name}: ${row.error.message}`.toLowerCase().includes(search))),
    );
    const key = sortKey(filter.sort ?? 'queued');
    if (filter.sort !== undefined && filter.sort !== 'queued') {
      rows = rows.slice().sort((a, b) => compare(key(a), key(b)) || compare(a.id, b.id));
    }
    // `rows` is a fresh array here (filter, then a sorted copy).
    if (filter.descending) rows.reverse();
    return { total: rows.length, jobs: rows.slice(filter.offset, filter.offset + filter.limit) };
  }

  tasks(): TaskSummary[] {
    if (this.tasksCache) return this.tasksCache;
    const byTask = new Map<string, { counts: StatusCounts; durations: number[]; jobs: number }>();
    for (const row of this.rows) {
      let entry = byTask.get(row.taskName);
      if (!entry) byTask.set(row.taskName, (entry = { counts: zeroCounts(), durations: [], jobs: 0 }));
      entry.jobs++;
      entry.counts[row.status]++;
      if (row.durationMs !== null && row.status !== 'cached') entry.durations.push(row.durationMs);
    }
    this.tasksCache = [...byTask].map(([taskName, entry]) => {
      const sorted = entry.durations.sort((a, b) => a - b);
      const sum = sorted.reduce((total, ms) => total + ms, 0);
      return {
        taskName,
        jobs: entry.jobs,
        counts: entry.counts,
        durations:
          sorted.length === 0
            ? null
            : {
                count: sorted.length,
                min: sorted[0]!,
                p50: quantile(sorted, 0.5),
                p95: quantile(sorted, 0.95),
                max: sorted[sorted.length - 1]!,
                mean: Math.round(sum / sorted.length),
              },
      };
    });
    return this.tasksCache;
  }

  histogram(): Histogram {
    if (this.histogramCache) return this.histogramCache;
    const buckets = HISTOGRAM_BOUNDS.length + 1;
    const counts: Record<string, number[]> = { '*': new Array<number>(buckets).fill(0) };
    let lowest = buckets;
    let highest = -1;
    for (const row of this.rows) {
      if (row.durationMs === null || row.status === 'cached') continue;
      const bucket = bucketOf(row.durationMs);
      lowest = Math.min(lowest, bucket);
      highest = Math.max(highest, bucket);
      (counts[row.taskName] ??= new Array<number>(buckets).fill(0))[bucket]!++;
      counts['*']![bucket]!++;
    }
    if (highest < 0) return (this.histogramCache = { bounds: [], counts: { '*': [] } });
    // Only the buckets from the shortest to the longest duration.
    const trimmed: Record<string, number[]> = {};
    for (const [task, list] of Object.entries(counts)) trimmed[task] = list.slice(lowest, highest + 1);
    const bounds = [...HISTOGRAM_BOUNDS, Number.POSITIVE_INFINITY].slice(lowest, highest + 1);
    return (this.histogramCache = {
      bounds: bounds.map((b) => (Number.isFinite(b) ? b : -1)),
      counts: trimmed,
    });
  }

  timeline(): Timeline {
    return (this.timelineCache ??= buildTimeline(this.rows));
  }
}

function sortKey(sort: NonNullable<JobFilter['sort']>): (row: JobRow) => string | number {
  switch (sort) {
    case 'started':
      return (row) => row.startedAt ?? Number.MAX_SAFE_INTEGER;
    case 'duration':
      return (row) => row.durationMs ?? -1;
    case 'task':
      return (row) => row.taskName;
    case 'status':
      return (row) => row.status;
    case 'queued':
      return (row) => row.id;
  }
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
