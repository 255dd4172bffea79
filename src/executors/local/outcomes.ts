// The failures the pool itself reports (cancelled, timed out, worker lost), as JobOutcomes.
import type { JobOutcome, JobRequest, SerializedError } from '../types.ts';
import type { WorkerExit } from './runtime.ts';

function failure(error: SerializedError): JobOutcome {
  return { ok: false, error, endedAt: Date.now() };
}

export function cancelledOutcome(job: JobRequest, reason = 'was cancelled'): JobOutcome {
  return failure({ kind: 'cancelled', name: 'CancelledError', message: `task ${job.task.name} ${reason}` });
}

export function timeoutOutcome(job: JobRequest): JobOutcome {
  return failure({
    kind: 'timeout',
    name: 'TimeoutError',
    message: `task ${job.task.name} exceeded its time limit of ${job.options.timeLimit}s`,
  });
}

/** A job lost with its worker: `what` says what happened to the worker. */
export function lostOutcome(
  job: JobRequest,
  what: string,
  kind: 'system' | 'memory',
  logTail: string | undefined,
): JobOutcome {
  return failure({
    kind,
    name: kind === 'memory' ? 'OutOfMemoryError' : 'ExecutorError',
    message: `${what} while running task ${job.task.name}`,
    logTail: logTail || undefined,
  });
}

/** What happened to a worker that went on its own, in words for an error message. */
export function describeExit(exit: WorkerExit, memoryMb: number | undefined, ready: boolean): string {
  const early = ready ? '' : ' before it was ready';
  if (exit.outOfMemory) {
    const limit =
      memoryMb === undefined ? "Node's default heap limit" : `its memory limit of ${memoryMb} MiB`;
    return `worker ran out of memory (${limit})${early}`;
  }
  if (exit.error) return `worker crashed with ${exit.error.name}: ${exit.error.message}${early}`;
  if (exit.signal) return `worker was killed by ${exit.signal}${early}`;
  return `worker exited with code ${exit.code ?? 'unknown'}${early}`;
}
