// Waiting for a recorded execution to end, as `baton result --wait` and `baton cancel` do: by reading
// its record, and noticing when the process behind a running record is gone.
import { setTimeout as sleep } from 'node:timers/promises';
import { BatonError } from '../errors.ts';
import { executionLiveness, type ExecutionRecord, type Store } from '../store/index.ts';

/** How often the record is read again. */
const POLL_MS = 200;

export type Ending =
  | { state: 'ended'; execution: ExecutionRecord }
  /** Still recorded as running, but its scheduler is gone. */
  | { state: 'lost'; execution: ExecutionRecord; reason: string }
  /** Still running when the deadline passed. */
  | { state: 'running'; execution: ExecutionRecord };

/** Reads the record until the execution is no longer running, is lost, or `deadline` (ms) passes. */
export async function waitForEnd(
  store: Store,
  execution: ExecutionRecord,
  deadline: number,
): Promise<Ending> {
  let current = execution;
  for (;;) {
    const liveness = executionLiveness(current);
    if (liveness.state === 'finished') return { state: 'ended', execution: current };
    if (liveness.state === 'lost') {
      // It may have recorded its end just before it went.
      const again = (await store.getExecution(current.id)) ?? current;
      if (again.status !== 'running') return { state: 'ended', execution: again };
      return { state: 'lost', execution: again, reason: liveness.reason };
    }
    if (Date.now() > deadline) return { state: 'running', execution: current };
    await sleep(POLL_MS);
    current = (await store.getExecution(current.id)) ?? current;
  }
}

/** The command line that starts the same run again, for advice. */
export function rerunCommand(execution: ExecutionRecord): string {
  return `baton ${execution.argv.slice(1).join(' ')}`;
}

/** The error for a running execution whose scheduler is gone. */
export function lostError(execution: ExecutionRecord, reason: string): BatonError {
  return new BatonError(
    `execution ${execution.id} (${execution.taskName}) is not running any more: ${reason}, and it recorded no end`,
    { hint: `run it again (${rerunCommand(execution)}); the calls it finished come from the cache` },
  );
}
