// The progress of a run on stderr, fed by scheduler events. Events only update counters (cheap with
// 100,000 jobs); a timer renders: a live block on a terminal, periodic log lines otherwise.
import { UsageError } from '../errors.ts';
import type { ExecutorLogger } from '../executors/index.ts';
import type { JobEvent, SchedulerEvent } from '../scheduler/index.ts';
import { formatDuration, plural, renderTable, truncate } from './format.ts';

export type ProgressMode = 'tty' | 'plain' | 'off';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

interface Counts {
  queued: number;
  running: number;
  done: number;
  cached: number;
  failed: number;
  cancelled: number;
}

type Live = 'queued' | 'running';

const MODES: readonly ProgressMode[] = ['tty', 'plain', 'off'];
/** Redraws of the live block per second, at most. */
const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 5000;
/** Task rows in the live block; the rest are summed into one row. */
const MAX_TASK_ROWS = 12;
/** Cancelled jobs listed one per line in plain mode; a Ctrl-C can cancel thousands. */
const MAX_CANCELLED_LINES = 20;

/** BATON_PROGRESS (`plain`, `tty`, `off`) if set, else `tty` on a terminal and `plain` elsewhere. */
export function progressMode(env: NodeJS.ProcessEnv, stream: ProgressStream): ProgressMode {
  const chosen = env['BATON_PROGRESS'];
  if (chosen === undefined || chosen === '') return stream.isTTY ? 'tty' : 'plain';
  if ((MODES as readonly string[]).includes(chosen)) return chosen as ProgressMode;
  throw new UsageError(`BATON_PROGRESS is '${chosen}'`, {
    hint: `set it to one of ${MODES.join(', ')}, or unset it`,
  });
}

function zero(): Counts {
  return { queued: 0, running: 0, done: 0, cached: 0, failed: 0, cancelled: 0 };
}

export class ProgressDisplay {
  readonly mode: ProgressMode;
  private readonly stream: ProgressStream;
  private readonly plainIntervalMs: number;
  private readonly byTask = new Map<string, Counts>();
  private readonly total = zero();
  /** Jobs not finished yet and where they are; finished jobs are forgotten. */
  private readonly live = new Map<string, { counts: Counts; state: Live }>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = Date.now();
  private firstStart: number | undefined;
  private retries = 0;
  private cancelledLines = 0;
  private drawnLines = 0;
  private finished = false;
  /** Known once the scheduler reports the execution. */
  executionId: string | undefined;

  constructor(options: { mode: ProgressMode; stream: ProgressStream; plainIntervalMs?: number }) {
    this.mode = options.mode;
    this.stream = options.stream;
    this.plainIntervalMs = options.plainIntervalMs ?? PLAIN_INTERVAL_MS;
  }

  start(): void {
    this.startedAt = Date.now();
    if (this.mode === 'off') return;
    const interval = this.mode === 'tty' ? TTY_INTERVAL_MS : this.plainIntervalMs;
    this.timer = setInterval(
      () => (this.mode === 'tty' ? this.redraw() : this.writeLine(this.countsLine())),
      interval,
    );
    this.timer.unref();
  }

  /** The scheduler's `onEvent`. */
  readonly onEvent = (event: SchedulerEvent): void => {
    if (event.type === 'execution-started') {
      this.executionId ??= event.executionId;
      return;
    }
    if (!isJobEvent(event) || event.type === 'would-run') return;
    this.count(event);
    if (event.type === 'failed')
      this.note(
        `${event.taskName} failed (attempt ${event.attempt}, executor ${event.executor}): ${errorLine(event)}`,
      );
    else if (event.type === 'retried') {
      const delay = event.delay === undefined ? '' : ` in ${formatDuration(event.delay * 1000)}`;
      this.note(`${event.taskName} attempt ${event.attempt} failed: ${errorLine(event)}; retrying${delay}`);
    } else if (event.type === 'cancelled' && this.mode === 'plain') {
      if (this.cancelledLines < MAX_CANCELLED_LINES)
        this.note(`${event.taskName} cancelled (attempt ${event.attempt})`);
      else if (this.cancelledLines === MAX_CANCELLED_LINES)
        this.note('… further cancelled jobs are not listed');
      this.cancelledLines++;
    }
  };

  private count(event: JobEvent): void {
    let counts = this.byTask.get(event.taskName);
    if (!counts) {
      counts = zero();
      this.byTask.set(event.taskName, counts);
    }
    const job = this.live.get(event.jobId);
    const move = (to: keyof Counts | undefined) => {
      if (job) {
        job.counts[job.state]--;
        this.total[job.state]--;
      }
      if (to) {
        counts[to]++;
        this.total[to]++;
      }
      if (to === 'queued' || to === 'running') this.live.set(event.jobId, { counts, state: to });
      else this.live.delete(event.jobId);
    };
    switch (event.type) {
      case 'queued':
        return move('queued');
      case 'started':
        this.firstStart ??= event.time;
        return move('running');
      case 'retried':
        this.retries++;
        return move('queued');
      case 'finished':
        return move('done');
      case 'cached':
        return move('cached');
      case 'failed':
        return move('failed');
      case 'cancelled':
        return move('cancelled');
    }
  }

  /** A message line (executor logs, Ctrl-C notice) that must not tear the live block. */
  log(line: string): void {
    if (this.mode === 'tty' && !this.finished) {
      this.stream.write(`${this.clearBlock()}${line}\n${this.block()}`);
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  private note(text: string): void {
    if (this.mode !== 'off') this.log(`baton: ${text}`);
  }

  private writeLine(line: string): void {
    this.stream.write(`${line}\n`);
  }

  /** Stops the timer and replaces the live block by a one-line summary. */
  finish(status: 'done' | 'failed' | 'cancelled'): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    if (this.mode === 'off') return;
    const prefix = this.mode === 'tty' ? this.clearBlock() : '';
    // A run that failed before any call (a config error, say) has nothing to sum up: the error says it all.
    const quiet = status !== 'done' && this.byTask.size === 0;
    this.stream.write(quiet ? prefix : `${prefix}${this.summary(status)}\n`);
  }

  /** `baton: done in 3.2s — 101 calls: 99 ran, 2 cached (execution 01j…)`. */
  summary(status: 'done' | 'failed' | 'cancelled'): string {
    const elapsed = formatDuration(Date.now() - this.startedAt);
    const when = status === 'done' ? `done in ${elapsed}` : `${status} after ${elapsed}`;
    const t = this.total;
    const calls = t.done + t.cached + t.failed + t.cancelled + t.queued + t.running;
    const parts = [`${t.done} ran`, `${t.cached} cached`];
    if (t.failed > 0) parts.push(`${t.failed} failed`);
    if (t.cancelled > 0) parts.push(`${t.cancelled} cancelled`);
    if (t.queued + t.running > 0) parts.push(`${t.queued + t.running} unfinished`);
    if (this.retries > 0) parts.push(`${this.retries} ${this.retries === 1 ? 'retry' : 'retries'}`);
    const execution = this.executionId ? ` (execution ${this.executionId})` : '';
    return `baton: ${when} — ${plural(calls, 'call')}: ${parts.join(', ')}${execution}`;
  }

  /** `baton: [12.3s] 40 done, 8 running, 50 queued, 2 cached`. */
  private countsLine(): string {
    const t = this.total;
    const parts = [`${t.done} done`, `${t.running} running`, `${t.queued} queued`];
    if (t.cached > 0) parts.push(`${t.cached} cached`);
    if (t.failed > 0) parts.push(`${t.failed} failed`);
    if (t.cancelled > 0) parts.push(`${t.cancelled} cancelled`);
    return `baton: [${formatDuration(Date.now() - this.startedAt)}] ${parts.join(', ')}`;
  }

  private redraw(): void {
    if (this.finished) return;
    this.stream.write(this.clearBlock() + this.block());
  }

  /** Moves up over the block drawn last and clears it (the text to write; nothing is written here). */
  private clearBlock(): string {
    const text = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\x1b[0J` : '';
    this.drawnLines = 0;
    return text;
  }

  /** The live block: one row per task, then elapsed time and an ETA when the pace is known. */
  private block(): string {
    const width = Math.max(20, (this.stream.columns ?? 100) - 1);
    const lines = this.taskTable().map((line) => truncate(`  ${line}`, width));
    lines.push(truncate(`  ${this.statusLine()}`, width));
    this.drawnLines = lines.length;
    return `${lines.join('\n')}\n`;
  }

  private taskTable(): string[] {
    let tasks = [...this.byTask.entries()];
    if (tasks.length === 0) return [];
    let rest: Counts | undefined;
    if (tasks.length > MAX_TASK_ROWS) {
      tasks = tasks.sort(([, a], [, b]) => b.running + b.queued - (a.running + a.queued));
      rest = zero();
      for (const [, counts] of tasks.slice(MAX_TASK_ROWS - 1)) {
        for (const key of Object.keys(rest) as Array<keyof Counts>) rest[key] += counts[key];
      }
      tasks = tasks.slice(0, MAX_TASK_ROWS - 1);
    }
    const row = (name: string, c: Counts) =>
      [name, c.queued, c.running, c.done, c.cached, c.failed].map(String);
    const rows = tasks.map(([name, counts]) => row(name, counts));
    if (rest) rows.push(row(`… ${this.byTask.size - tasks.length} more tasks`, rest));
    return renderTable(
      ['task', 'queued', 'running', 'done', 'cached', 'failed'],
      rows,
      new Set([1, 2, 3, 4, 5]),
    );
  }

  private statusLine(): string {
    const now = Date.now();
    const t = this.total;
    const finished = t.done + t.failed;
    const remaining = t.queued + t.running;
    const all = finished + t.cached + remaining + t.cancelled;
    const parts = [formatDuration(now - this.startedAt), `${finished + t.cached} of ${all} calls finished`];
    if (this.firstStart !== undefined && finished >= 3 && remaining > 0) {
      const rate = finished / Math.max(1, now - this.firstStart);
      parts.push(`ETA ~${formatDuration(remaining / rate)}`);
    }
    return parts.join(' · ');
  }
}

function isJobEvent(event: SchedulerEvent): event is JobEvent {
  return 'jobId' in event;
}

/** `Error: boom`: the first line of a job's error. */
function errorLine(event: JobEvent): string {
  if (!event.error) return 'no error reported';
  return `${event.error.name}: ${event.error.message.split('\n')[0] ?? ''}`;
}

/** Where the executors' messages go during a command that shows progress: above the progress line. */
export function progressLogger(progress: ProgressDisplay, verbose: boolean): ExecutorLogger {
  return {
    info: (message) => progress.log(message),
    warn: (message) => progress.log(`baton: ${message}`),
    debug: (message) => (verbose ? progress.log(message) : undefined),
  };
}
