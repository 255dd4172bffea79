// `baton cancel ID`: stops a running execution and its in-flight jobs. The request is recorded in the
// store, where the run's scheduler looks for it every second (from any host that shares the store);
// on the run's own host the process also gets SIGTERM, which `baton run` handles as Ctrl-C, so it
// stops at once. Either way the scheduler cancels through its AbortSignal and records what it stopped.
import { basename } from 'node:path';
import { BatonError, UsageError } from '../errors.ts';
import { processState, type ExecutionRecord, type Store } from '../store/index.ts';
import { parseCommandArgs, type Command } from './args.ts';
import { waitForEnd } from './execution-wait.ts';
import { plural } from './format.ts';
import { openExecution } from './store-access.ts';
import { parseTimeout } from './when.ts';

const HELP = `Usage: baton cancel ID [--no-wait] [--timeout DURATION]

Cancels execution ID (or a unique prefix of its id), as Ctrl-C does in the terminal that runs it: jobs
waiting are dropped, running jobs are stopped, and they are recorded as cancelled. The request is
recorded in the store, where the run looks for it every second, so this works from another terminal
and from another host that shares a PostgreSQL store; on the run's own host the run is also sent
SIGTERM and stops at once. Waits until the run has stopped.

A run whose process died without recording its end is recorded as cancelled, with its unfinished jobs.

  --no-wait           return once the request is recorded
  --timeout DURATION  how long to wait for the run to stop (default 60s)`;

const DEFAULT_TIMEOUT_MS = 60_000;

/** Baton's own command line (the source entry or the installed bin) handles SIGTERM as a cancel. */
function isBatonCommand(argv: readonly string[]): boolean {
  return argv[0] !== undefined && /^(main\.[jt]s|baton(\.js)?)$/.test(basename(argv[0]));
}

/** Sends SIGTERM when the recorded process is a Baton command on this host; whether it did. */
function signalRun(execution: ExecutionRecord): boolean {
  if (!isBatonCommand(execution.argv) || processState(execution) !== 'same') return false;
  try {
    process.kill(execution.pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}

/** Records a lost execution and its unfinished jobs as cancelled; resolves with how many jobs. */
async function recordCancelled(store: Store, execution: ExecutionRecord, reason: string): Promise<number> {
  const now = Date.now();
  const message = `cancelled by baton cancel after ${reason}`;
  store.updateExecution(execution.id, {
    status: 'cancelled',
    endedAt: now,
    error: { name: 'CancelledError', message, kind: 'cancelled' },
  });
  let count = 0;
  for (const job of await store.listJobs(execution.id)) {
    if (job.status !== 'queued' && job.status !== 'running') continue;
    store.updateJob(job.id, { status: 'cancelled', endedAt: now });
    count++;
  }
  await store.flush();
  return count;
}

/** Waits (until `deadline`) for the process of an execution on this host to exit. */
async function waitForExit(execution: ExecutionRecord, deadline: number): Promise<void> {
  while (processState(execution) === 'same' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a running execution and its in-flight jobs',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('cancel', args, {
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
    });
    if (positionals.length !== 1) {
      throw new UsageError('baton cancel takes one execution ID', {
        hint: 'baton log --status running lists the running executions',
      });
    }
    const timeoutMs = parseTimeout(values.timeout, '--timeout', DEFAULT_TIMEOUT_MS);
    const { store, execution } = await openExecution(ctx, positionals[0]!);
    try {
      const which = `execution ${execution.id} (${execution.taskName})`;
      // A deadline already passed: one look at where it stands.
      const first = await waitForEnd(store, execution, 0);
      if (first.state === 'ended') {
        throw new UsageError(`${which} is not running: it ${describeEnd(first.execution)}`, {
          hint: `nothing to cancel; baton log ${execution.id} shows how it ended`,
        });
      }
      if (first.state === 'lost') {
        const count = await recordCancelled(store, first.execution, first.reason);
        ctx.out(
          `${which} was lost: ${first.reason}; recorded it and ${plural(count, 'unfinished job')} as cancelled\n`,
        );
        return 0;
      }
      store.updateExecution(execution.id, { cancelRequestedAt: Date.now() });
      await store.flush();
      const signalled = signalRun(execution);
      const how = signalled ? `sent SIGTERM to pid ${execution.pid}` : 'recorded the request in the store';
      if (values['no-wait']) {
        ctx.out(`asked ${which} to stop (${how})\n`);
        return 0;
      }
      const deadline = Date.now() + timeoutMs;
      const ending = await waitForEnd(store, execution, deadline);
      if (ending.state === 'lost') {
        const count = await recordCancelled(store, ending.execution, ending.reason);
        ctx.out(
          `${which} stopped without recording it; recorded it and ${plural(count, 'unfinished job')} as cancelled\n`,
        );
        return 0;
      }
      if (ending.state === 'running') {
        throw new BatonError(`${which} has not stopped ${timeoutMs / 1000}s after it was asked to (${how})`, {
          hint: `it stops at its next look at the store, if its scheduler still runs; baton log ${execution.id} shows it`,
        });
      }
      if (ending.execution.status !== 'cancelled') throw lostRace(ending.execution);
      await waitForExit(execution, deadline);
      const jobs = await store.listJobs(execution.id);
      const cancelled = jobs.filter((job) => job.status === 'cancelled').length;
      ctx.out(`cancelled ${which}: ${plural(cancelled, 'job')} cancelled (${how})\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

function describeEnd(execution: ExecutionRecord): string {
  return execution.status === 'done' ? 'is done' : `was ${execution.status}`;
}

/** The run ended some other way before the cancel reached it. */
function lostRace(execution: ExecutionRecord): BatonError {
  return new BatonError(
    `execution ${execution.id} (${execution.taskName}) ${describeEnd(execution)} before the cancel reached it`,
    { hint: `baton log ${execution.id} shows how it ended` },
  );
}
