// `baton result ID [--wait]`: the result of a recorded execution, printed as `baton run` prints it,
// read from the store (the value the run recorded as its result), or its error.
import { decodeValue } from '../codec/index.ts';
import { BatonError, CancelledError, StoreError, UsageError } from '../errors.ts';
import { lostError, rerunCommand, waitForEnd } from './execution-wait.ts';
import { executionLiveness, type ExecutionRecord, type Store } from '../store/index.ts';
import { parseCommandArgs, type CliContext, type Command } from './args.ts';
import { renderResult } from './output.ts';
import { cancelledExitCode } from './signals.ts';
import { openExecution } from './store-access.ts';
import { parseTimeout } from './when.ts';

const HELP = `Usage: baton result ID [--wait] [--timeout DURATION]

Prints the result of execution ID (or a unique prefix of its id) as baton run printed it: strings as
they are, plain data as JSON, other values as Node shows them. It is read from the store, so it works
for any recorded run: one started with baton run --detach, or one that ended long ago.

A failed execution prints its error and exits 1; a cancelled one exits 130. A run whose process died
without recording its end is said to be lost (exit 1).

  --wait              wait while the execution is still running (otherwise that is an error)
  --timeout DURATION  with --wait, give up after this long (e.g. 90s, 10m, 2h): exit 1`;

/** The first lines worth showing of a recorded error: its message, then the frames of the original stack. */
function errorLines(error: NonNullable<ExecutionRecord['error']>): string[] {
  const [, ...more] = error.message.split('\n');
  const stack = error.stack ?? '';
  const original = stack.includes('--- original stack ---')
    ? stack.split('--- original stack ---')[1]!
    : stack;
  const frames = original
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .slice(0, 5);
  return [...more.map((line) => `  ${line}`), ...frames.map((frame) => `    ${frame}`)];
}

export const resultCommand: Command = {
  name: 'result',
  summary: 'print the result of an execution (one started with --detach, or any other)',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('result', args, {
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
    });
    if (positionals.length !== 1) {
      throw new UsageError('baton result takes one execution ID', {
        hint: 'baton run --detach printed it; baton log lists the recent executions',
      });
    }
    const timeoutMs = parseTimeout(values.timeout, '--timeout', Number.POSITIVE_INFINITY);
    const opened = await openExecution(ctx, positionals[0]!);
    const store = opened.store;
    let execution = opened.execution;
    try {
      const liveness = executionLiveness(execution);
      if (liveness.state === 'lost' || (liveness.state === 'live' && values.wait)) {
        const ending = await waitForEnd(store, execution, Date.now() + timeoutMs);
        if (ending.state === 'lost') throw lostError(ending.execution, ending.reason);
        if (ending.state === 'running') {
          throw new BatonError(
            `execution ${execution.id} (${execution.taskName}) is still running after the timeout`,
            {
              hint: `baton result ${execution.id} --wait waits again; baton log ${execution.id} shows its jobs`,
            },
          );
        }
        execution = ending.execution;
      } else if (liveness.state === 'live') {
        throw new UsageError(`execution ${execution.id} (${execution.taskName}) is still running`, {
          hint: `baton result ${execution.id} --wait waits for it; baton log ${execution.id} shows its jobs`,
        });
      }
      return await printOutcome(store, execution, ctx);
    } finally {
      await store.close();
    }
  },
};

async function printOutcome(store: Store, execution: ExecutionRecord, ctx: CliContext): Promise<number> {
  const which = `execution ${execution.id} (${execution.taskName})`;
  if (execution.status === 'done') {
    const bytes = execution.resultHash === undefined ? undefined : await store.getValue(execution.resultHash);
    if (!bytes) {
      throw new StoreError(`the result of ${which} is no longer in the store`, {
        hint: `baton cache gc --older-than removes old results; run it again (${rerunCommand(execution)}) to compute it`,
      });
    }
    ctx.out(renderResult(decodeValue(bytes), { colors: process.stdout.isTTY === true }));
    return 0;
  }
  const error = execution.error ?? { name: 'Error', message: 'no error was recorded', kind: 'application' };
  const first = error.message.split('\n')[0] ?? '';
  if (execution.status === 'cancelled' || error.name === CancelledError.name) {
    ctx.err(
      `baton: ${which} was cancelled (${first}) — run it again to continue: ${rerunCommand(execution)}\n`,
    );
    return cancelledExitCode(undefined);
  }
  const jobs = await store.listJobs(execution.id);
  // The call that threw, not the callers that failed with it.
  const failedParents = new Set(jobs.filter((job) => job.status === 'failed').map((job) => job.parentId));
  const failed = jobs.find((job) => job.status === 'failed' && !failedParents.has(job.id));
  const hint = failed
    ? `baton log --job ${failed.id} shows the failed call`
    : `baton log ${execution.id} shows its jobs`;
  ctx.err(
    `baton: ${which} failed: ${first} — ${hint}\n${errorLines(error)
      .map((line) => `${line}\n`)
      .join('')}`,
  );
  return 1;
}
