// Job states for every job of the executor from one `squeue` call per interval, not one per job.
import type { ExecutorLogger } from '../types.ts';
import type { SlurmClient } from './commands.ts';
import { hasEnded, isQueued, type QueueEntry } from './states.ts';

/** How a job left: its last state in squeue (undefined when it was gone before it was seen ending). */
export interface QueueEnd {
  state: string | undefined;
  reason: string;
}

export interface Watch {
  /** Resolves when the job runs (or has ended without being seen running). */
  started: Promise<void>;
  /** Resolves when its batch script has exited and Slurm is cleaning up (COMPLETING), or it has ended. */
  completing: Promise<void>;
  /** Resolves when it has ended for good or left the queue. */
  ended: Promise<QueueEnd>;
}

interface Watched {
  watch: Watch;
  /** Polls started before the watch began cannot tell whether the job is gone. */
  since: number;
  last: QueueEntry | undefined;
  /** Ended: kept (no longer polled) so that a later `watch` of the same job resolves at once. */
  done: boolean;
  start: () => void;
  complete: () => void;
  end: (end: QueueEnd) => void;
}

export class SlurmPoller {
  private readonly commands: SlurmClient;
  private readonly intervalMs: number;
  private readonly logger: ExecutorLogger;
  private readonly watched = new Map<string, Watched>();
  private rounds = 0;
  /** Watches not ended yet: polling stops when there are none. */
  private live = 0;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;

  constructor(commands: SlurmClient, intervalMs: number, logger: ExecutorLogger) {
    this.commands = commands;
    this.intervalMs = intervalMs;
    this.logger = logger;
  }

  /** Follows job `id` (`123` or `123_4`) until it ends; the same watch for the same id until `forget`. */
  watch(id: string): Watch {
    const known = this.watched.get(id);
    if (known) return known.watch;
    let start!: () => void;
    let complete!: () => void;
    let end!: (end: QueueEnd) => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    const completing = new Promise<void>((resolve) => (complete = resolve));
    const ended = new Promise<QueueEnd>((resolve) => (end = resolve));
    const watched: Watched = {
      watch: { started, completing, ended },
      since: this.rounds,
      last: undefined,
      done: false,
      start,
      complete,
      end: (how) => {
        watched.done = true;
        this.live--;
        start();
        complete();
        end(how);
      },
    };
    this.watched.set(id, watched);
    this.live++;
    this.schedule();
    return watched.watch;
  }

  forget(id: string): void {
    const watched = this.watched.get(id);
    if (watched && !watched.done) this.live--;
    this.watched.delete(id);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.live === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.intervalMs);
  }

  private async poll(): Promise<void> {
    const round = ++this.rounds;
    let entries: QueueEntry[];
    try {
      entries = await this.commands.queue();
      if (this.failing) this.logger.info('squeue answers again');
      this.failing = false;
    } catch (error) {
      // Jobs keep running in Slurm; keep asking (cancel and time limits still work meanwhile).
      if (!this.failing) this.logger.warn(`squeue failed, will keep trying: ${(error as Error).message}`);
      this.failing = true;
      this.timer = undefined;
      this.schedule();
      return;
    }
    const byId = new Map(entries.map((entry) => [entry.id, entry]));
    for (const [id, watched] of this.watched) {
      if (watched.done) continue;
      const entry = byId.get(id);
      if (!entry) {
        if (watched.since < round) {
          watched.end({ state: watched.last?.state, reason: watched.last?.reason ?? '' });
        }
        continue;
      }
      watched.last = entry;
      if (hasEnded(entry.state)) watched.end({ state: entry.state, reason: entry.reason });
      else if (entry.state === 'COMPLETING') watched.complete();
      if (!isQueued(entry.state)) watched.start();
    }
    this.timer = undefined;
    this.schedule();
  }
}
