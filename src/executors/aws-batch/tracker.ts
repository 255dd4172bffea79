// Job states from DescribeJobs, in as few requests as will do. Each round describes the single jobs and
// the array parents (100 ids a request), and fills the request's spare room with the children likely to
// have moved: those seen running, and the next ones to start (Batch starts children in index order).
// A parent's statusSummary says how many of its children run and have ended; only when those counts
// are ahead of what the round read are more children described, lowest unfinished index first. Rounds
// come quickly while few jobs are in flight and further apart under many: poll_interval x sqrt(jobs),
// doubled for each round in which nothing started or ended (long jobs), at most max_poll_interval.
import type { JobDetail } from '@aws-sdk/client-batch';
import { awsMessage, DESCRIBE_BATCH, type BatchApi } from './api.ts';
import type { ExecutorLogger } from '../types.ts';

/** How a job ended: `undefined` when Batch no longer knows it. */
export interface JobEnd {
  status: 'SUCCEEDED' | 'FAILED' | undefined;
  /** Its details when they were read (a child whose whole array succeeded is known without them). */
  detail?: JobDetail | undefined;
}

export interface Watch {
  /** Resolves when the job runs (or has ended). */
  started: Promise<void>;
  ended: Promise<JobEnd>;
}

/** A job unknown to DescribeJobs this many rounds in a row is taken as gone (new jobs can lag a little). */
const ROUNDS_TO_GONE = 3;

const ENDED = new Set(['SUCCEEDED', 'FAILED']);
const hasStarted = (status: string | undefined) => status === 'RUNNING' || ENDED.has(status ?? '');

interface Watched {
  id: string;
  parent: ParentState | undefined;
  index: number;
  watch: Watch;
  /** Calls that wait on this job (several when it runs packed calls). */
  refs: number;
  started: boolean;
  done: boolean;
  missing: number;
  start: () => void;
  end: (end: JobEnd) => void;
}

interface ParentState {
  id: string;
  size: number;
  watched: Map<number, Watched>;
  /** Last status seen of each child described so far. */
  children: Map<number, string>;
  /** No child below this index is still to end. */
  frontier: number;
  missing: number;
}

export interface TrackerOptions {
  /** Seconds between rounds while one job is in flight. */
  intervalSeconds: number;
  /** Seconds between rounds at most. */
  maxIntervalSeconds: number;
}

export class BatchTracker {
  private readonly api: BatchApi;
  private readonly options: TrackerOptions;
  private readonly logger: ExecutorLogger;
  private readonly singles = new Map<string, Watched>();
  private readonly parents = new Map<string, ParentState>();
  private live = 0;
  /** Whether anything started or ended during the current round. */
  private moved = false;
  private idleRounds = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private failing = false;
  private stopped = false;

  constructor(api: BatchApi, options: TrackerOptions, logger: ExecutorLogger) {
    this.api = api;
    this.options = options;
    this.logger = logger;
  }

  /** Follows a single job, or child `index` of the array job `parent` (of `size` children). */
  watch(jobId: string, array?: { parent: string; index: number; size: number }): Watch {
    const known = array ? this.parents.get(array.parent)?.watched.get(array.index) : this.singles.get(jobId);
    if (known) {
      known.refs++;
      return known.watch;
    }
    let parent: ParentState | undefined;
    if (array) {
      parent = this.parents.get(array.parent);
      if (!parent) {
        parent = {
          id: array.parent,
          size: array.size,
          watched: new Map(),
          children: new Map(),
          frontier: 0,
          missing: 0,
        };
        this.parents.set(array.parent, parent);
      }
    }
    let start!: () => void;
    let end!: (end: JobEnd) => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    const ended = new Promise<JobEnd>((resolve) => (end = resolve));
    const watched: Watched = {
      id: jobId,
      parent,
      index: array?.index ?? 0,
      watch: { started, ended },
      refs: 1,
      started: false,
      done: false,
      missing: 0,
      start: () => {
        if (watched.started) return;
        watched.started = true;
        this.moved = true;
        start();
      },
      end: (how) => {
        if (watched.done) return;
        watched.done = true;
        this.moved = true;
        this.live--;
        watched.start();
        end(how);
      },
    };
    if (parent) parent.watched.set(watched.index, watched);
    else this.singles.set(jobId, watched);
    this.live++;
    this.idleRounds = 0;
    this.schedule();
    return watched.watch;
  }

  /** One caller lets go of a job; it is no longer described once none waits on it. */
  forget(jobId: string, array?: { parent: string; index: number }): void {
    const parent = array ? this.parents.get(array.parent) : undefined;
    const watched = array ? parent?.watched.get(array.index) : this.singles.get(jobId);
    if (!watched || --watched.refs > 0) return;
    if (!watched.done) this.live--;
    watched.done = true;
    if (parent) {
      parent.watched.delete(watched.index);
      if (parent.watched.size === 0) this.parents.delete(parent.id);
    } else this.singles.delete(jobId);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Seconds to the next round with `live` jobs in flight, after `idle` rounds in which nothing moved. */
  intervalFor(live: number, idle = 0): number {
    return Math.min(
      this.options.maxIntervalSeconds,
      this.options.intervalSeconds * Math.sqrt(Math.max(1, live)) * 2 ** idle,
    );
  }

  private schedule(): void {
    if (this.timer || this.polling || this.stopped || this.live === 0) return;
    this.timer = setTimeout(() => void this.round(), this.intervalFor(this.live, this.idleRounds) * 1000);
  }

  private async round(): Promise<void> {
    this.timer = undefined;
    this.polling = true;
    this.moved = false;
    try {
      await this.describeRound();
      // Long jobs: each round that saw nothing start or end doubles the wait, up to the longest.
      this.idleRounds = this.moved ? 0 : Math.min(this.idleRounds + 1, 16);
      if (this.failing) this.logger.info('DescribeJobs answers again');
      this.failing = false;
    } catch (error) {
      // Jobs keep running in Batch; keep asking (cancel and time limits still work meanwhile).
      if (!this.failing) this.logger.warn(`DescribeJobs failed, will keep trying: ${awsMessage(error)}`);
      this.failing = true;
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private async describe(ids: string[]): Promise<Map<string, JobDetail>> {
    const details = new Map<string, JobDetail>();
    for (let i = 0; i < ids.length; i += DESCRIBE_BATCH) {
      for (const detail of await this.api.describeJobs(ids.slice(i, i + DESCRIBE_BATCH)))
        if (detail.jobId) details.set(detail.jobId, detail);
    }
    return details;
  }

  private async describeRound(): Promise<void> {
    const singles = [...this.singles.values()].filter((watched) => !watched.done);
    const parents = [...this.parents.values()].filter((parent) =>
      [...parent.watched.values()].some((watched) => !watched.done),
    );
    const fixed = [...singles.map((watched) => watched.id), ...parents.map((parent) => parent.id)];
    // The last request's spare room carries the children likely to have moved, at no extra request.
    const room = (DESCRIBE_BATCH - (fixed.length % DESCRIBE_BATCH)) % DESCRIBE_BATCH;
    const guesses = new Map<ParentState, number[]>();
    for (const parent of parents)
      guesses.set(parent, this.likelyToMove(parent, Math.floor(room / parents.length)));
    const details = await this.describe([
      ...fixed,
      ...[...guesses].flatMap(([parent, indexes]) => indexes.map((index) => `${parent.id}:${index}`)),
    ]);
    for (const watched of singles) {
      const detail = details.get(watched.id);
      if (detail) {
        watched.missing = 0;
        this.update(watched, detail);
      } else if (++watched.missing >= ROUNDS_TO_GONE) watched.end({ status: undefined });
    }
    for (const parent of parents) {
      const described = new Set(guesses.get(parent));
      for (const index of described) this.applyChild(parent, index, details.get(`${parent.id}:${index}`));
      const detail = details.get(parent.id);
      if (!detail) {
        if (++parent.missing >= ROUNDS_TO_GONE)
          for (const watched of parent.watched.values()) watched.end({ status: undefined });
        continue;
      }
      parent.missing = 0;
      if (detail.status === 'SUCCEEDED') {
        // Every child succeeded: nothing more to read about any of them.
        for (const watched of parent.watched.values()) watched.end({ status: 'SUCCEEDED' });
        continue;
      }
      await this.lookAtChildren(parent, detail, described);
    }
  }

  /**
   * Children worth describing with the parent: those seen running (they end next), then the lowest
   * ones not started yet (Batch starts children in index order), as many of those as run now (8 at least).
   */
  private likelyToMove(parent: ParentState, room: number): number[] {
    const picked: number[] = [];
    for (const [index, status] of parent.children)
      if (picked.length < room && (status === 'RUNNING' || status === 'STARTING')) picked.push(index);
    const waiting = Math.min(room, picked.length + Math.max(8, picked.length));
    while (parent.frontier < parent.size && ENDED.has(parent.children.get(parent.frontier) ?? ''))
      parent.frontier++;
    for (let index = parent.frontier; index < parent.size && picked.length < waiting; index++) {
      const status = parent.children.get(index);
      if (status === undefined || !(hasStarted(status) || status === 'STARTING')) picked.push(index);
    }
    return picked;
  }

  private applyChild(parent: ParentState, index: number, child: JobDetail | undefined): void {
    if (!child?.status) return;
    if (parent.children.get(index) !== child.status) this.moved = true;
    parent.children.set(index, child.status);
    const watched = parent.watched.get(index);
    if (watched) this.update(watched, child);
  }

  /**
   * Describes the children the parent's summary says have moved beyond what this round read (`described`),
   * lowest unfinished index first.
   */
  private async lookAtChildren(
    parent: ParentState,
    detail: JobDetail,
    described: Set<number>,
  ): Promise<void> {
    const summary = detail.arrayProperties?.statusSummary ?? {};
    const ended = (summary.SUCCEEDED ?? 0) + (summary.FAILED ?? 0);
    const started = ended + (summary.RUNNING ?? 0);
    const parentEnded = detail.status === 'FAILED';
    const known = () => {
      let knownEnded = 0;
      let knownStarted = 0;
      for (const status of parent.children.values()) {
        if (ENDED.has(status)) knownEnded++;
        if (hasStarted(status)) knownStarted++;
      }
      return { knownEnded, knownStarted };
    };
    let { knownEnded, knownStarted } = known();
    if (!parentEnded && ended <= knownEnded && started <= knownStarted) return;
    const candidates: number[] = [];
    if (parentEnded) {
      for (const [index, watched] of parent.watched) if (!watched.done) candidates.push(index);
      candidates.sort((a, b) => a - b);
    } else {
      for (let index = parent.frontier; index < parent.size; index++)
        if (!described.has(index) && !ENDED.has(parent.children.get(index) ?? '')) candidates.push(index);
    }
    const moved = Math.max(ended - knownEnded, started - knownStarted);
    const budget = parentEnded ? Infinity : Math.ceil(moved / DESCRIBE_BATCH) + 1;
    for (
      let offset = 0, sent = 0;
      offset < candidates.length && sent < budget;
      offset += DESCRIBE_BATCH, sent++
    ) {
      const batch = candidates.slice(offset, offset + DESCRIBE_BATCH);
      const details = await this.describe(batch.map((index) => `${parent.id}:${index}`));
      for (const index of batch) this.applyChild(parent, index, details.get(`${parent.id}:${index}`));
      ({ knownEnded, knownStarted } = known());
      if (!parentEnded && knownEnded >= ended && knownStarted >= started) break;
    }
    if (parentEnded) {
      // Children the parent's end left undescribed (Batch forgot them) are gone.
      for (const index of candidates)
        if (!parent.children.has(index)) parent.watched.get(index)?.end({ status: undefined });
    }
  }

  private update(watched: Watched, detail: JobDetail): void {
    if (hasStarted(detail.status)) watched.start();
    if (detail.status === 'SUCCEEDED' || detail.status === 'FAILED')
      watched.end({ status: detail.status, detail });
  }
}
