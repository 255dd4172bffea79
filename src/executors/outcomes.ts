// Failures an executor reports itself (cancelled, timed out, job lost), as JobOutcomes.
import type { JobOutcome, JobRequest, SerializedError } from './types.ts';

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

/** A job lost with its worker, container or node: `what` says what happened to it. */
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
