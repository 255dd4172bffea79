// Backup attempts for stragglers (kubeface's speculation, MapReduce's backup tasks): once enough jobs
// have finished to know what normal looks like, a job running far longer than most gets a second
// attempt on a free slot; the first result wins and the other attempt is cancelled.
import { UsageError } from '../errors.ts';
import type { Executor, JobOutcome, JobRequest } from '../executors/index.ts';
import type { Slots } from './limiter.ts';

export interface SpeculationOptions {
  /** Jobs that must have finished before any backup starts. @default 10 */
  minFinished?: number;
  /** Share of the jobs seen so far that must have finished before any backup starts. @default 0.5 */
  after?: number;
  /** A job is a straggler once it runs longer than this percentile of finished runtimes... @default 90 */
  percentile?: number;
  /** ...times this factor. @default 2 */
  factor?: number;
  /** No job counts as a straggler before it has run this long, in ms. @default 200 */
  minMs?: number;
  /** Backup attempts per job, at most. @default 1 */
  maxReruns?: number;
  /** How often running jobs are checked, in ms. @default 100 */
  intervalMs?: number;
}

interface Running {
  /** When the executor reported the job started (queueing and worker start-up do not count). */
  startedAt: number | undefined;
  backups: number;
  launch(): boolean;
}

function check(value: number, name: string, min: number, max: number): number {
  if (!(value >= min && value <= max)) {
    throw new UsageError(`speculation.${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export class Speculator {
  private readonly minFinished: number;
  private readonly after: number;
  private readonly percentile: number;
  private readonly factor: number;
  private readonly maxReruns: number;
  private readonly minMs: number;
  private readonly intervalMs: number;
  private readonly runtimes: number[] = [];
  private readonly running = new Set<Running>();
  private readonly byJob = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  /** Backup attempts started so far. */
  backups = 0;

  constructor(options: SpeculationOptions = {}) {
    this.minFinished = check(options.minFinished ?? 10, 'minFinished', 1, Infinity);
    this.after = check(options.after ?? 0.5, 'after', 0, 1);
    this.percentile = check(options.percentile ?? 90, 'percentile', 1, 100);
    this.factor = check(options.factor ?? 2, 'factor', 1, Infinity);
    this.maxReruns = check(options.maxReruns ?? 1, 'maxReruns', 0, 100);
    this.minMs = check(options.minMs ?? 200, 'minMs', 0, Infinity);
    this.intervalMs = check(options.intervalMs ?? 100, 'intervalMs', 1, 60_000);
  }

  /** Runs `request` on `executor`, with backups when it straggles; resolves with the first success. */
  run(executor: Executor, request: JobRequest, signal: AbortSignal, slots: Slots): Promise<JobOutcome> {
    return new Promise((resolve) => {
      const controllers: AbortController[] = [];
      let pending = 0;
      let settled = false;
      const entry: Running = { startedAt: undefined, backups: 0, launch: () => launch(true) };
      const finish = (outcome: JobOutcome) => {
        settled = true;
        this.running.delete(entry);
        this.byJob.delete(request.jobId);
        if (outcome.ok && entry.startedAt !== undefined) this.runtimes.push(Date.now() - entry.startedAt);
        for (const controller of controllers) controller.abort(); // the losing attempt is not needed

        if (this.running.size === 0) this.stopTimer();
        resolve(outcome);
      };
      const launch = (backup: boolean): boolean => {
        if (backup && !slots.tryAcquire()) return false;
        const controller = new AbortController();
        controllers.push(controller);
        const onAbort = () => controller.abort(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        pending++;
        executor.run(backup ? { ...request, urgent: true } : request, controller.signal).then(
          (outcome) => {
            pending--;
            signal.removeEventListener('abort', onAbort);
            if (backup) slots.release();
            // A failed attempt waits for the other: the job fails only when every attempt has.
            if (!settled && (outcome.ok || pending === 0)) finish(outcome);
          },
          (error: unknown) => {
            pending--;
            signal.removeEventListener('abort', onAbort);
            if (backup) slots.release();
            if (!settled && pending === 0) {
              finish({ ok: false, error: { kind: 'system', name: 'ExecutorError', message: String(error) } });
            }
          },
        );
        return true;
      };
      this.running.add(entry);
      this.byJob.set(request.jobId, entry);
      launch(false);
      this.startTimer();
    });
  }

  /** The executor started the job: its runtime counts from now. */
  started(jobId: string): void {
    const entry = this.byJob.get(jobId);
    if (entry && entry.startedAt === undefined) entry.startedAt = Date.now();
  }

  /** The runtime beyond which a running job gets a backup; undefined until enough jobs have finished. */
  threshold(): number | undefined {
    const finished = this.runtimes.length;
    if (finished < this.minFinished || finished < this.after * (finished + this.running.size))
      return undefined;
    const sorted = [...this.runtimes].sort((a, b) => a - b);
    const at = sorted[Math.min(sorted.length - 1, Math.ceil((this.percentile / 100) * sorted.length) - 1)]!;
    return Math.max(at * this.factor, this.minMs);
  }

  private tick(): void {
    const limit = this.threshold();
    if (limit === undefined) return;
    const now = Date.now();
    for (const entry of this.running) {
      if (entry.startedAt === undefined || entry.backups >= this.maxReruns) continue;
      if (now - entry.startedAt <= limit) continue;
      if (!entry.launch()) return; // no free slot: try again at the next tick
      entry.backups++;
      this.backups++;
    }
  }

  private startTimer(): void {
    if (this.timer || this.maxReruns === 0) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
