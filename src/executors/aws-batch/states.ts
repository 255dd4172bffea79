// Why a Batch job that wrote no result ended, from what DescribeJobs says of it: its statusReason,
// its container's reason and exit code. Time and memory kills are the task's own (not retried as
// system failures); a lost host is the system's; an image that cannot start is refused for good.
import type { JobDetail } from '@aws-sdk/client-batch';
import type { EngineExit } from '../remote/run-remote.ts';
import type { JobEnd } from './tracker.ts';

/** The reason Baton gives TerminateJob, so a job it stopped is told apart from one stopped by others. */
export const CANCEL_REASON = 'Cancelled by Baton';

const TIMEOUT = /attempt duration exceeded timeout/i;
const MEMORY = /OutOfMemory|out of memory|killed due to memory/i;
const CANNOT_START =
  /CannotPullContainerError|CannotCreateContainerError|CannotInspectContainerError|CannotStartContainerError|ResourceInitializationError|ClientException/;
const HOST_LOST = /^Host EC2|spot instance/i;

/** The container details of the job's last attempt (DescribeJobs keeps one entry per attempt). */
export function lastContainer(detail: JobDetail | undefined): {
  exitCode?: number;
  reason?: string;
  logStreamName?: string;
} {
  const attempt = detail?.attempts?.at(-1)?.container;
  return {
    exitCode: attempt?.exitCode ?? detail?.container?.exitCode,
    reason: attempt?.reason ?? detail?.container?.reason,
    logStreamName: attempt?.logStreamName ?? detail?.container?.logStreamName,
  };
}

export function explainEnd(end: JobEnd, logTail: string): EngineExit {
  const tail = logTail || undefined;
  if (end.status === undefined) return { reason: 'AWS Batch no longer knows the job', logTail: tail };
  const detail = end.detail;
  const statusReason = detail?.statusReason ?? '';
  const { exitCode, reason = '' } = lastContainer(detail);
  const batchSays = [statusReason && `statusReason "${statusReason}"`, reason && `reason "${reason}"`]
    .filter(Boolean)
    .join(', ');
  if (TIMEOUT.test(statusReason)) return { timedOut: true, exitCode, logTail: tail };
  if (MEMORY.test(reason)) return { memoryKilled: true, exitCode, logTail: tail };
  if (CANNOT_START.test(reason) || CANNOT_START.test(statusReason))
    return { refused: true, reason: batchSays, exitCode, logTail: tail };
  if (HOST_LOST.test(statusReason))
    return { reason: `its host went away (${batchSays})`, exitCode, logTail: tail };
  if (detail?.isTerminated || detail?.isCancelled)
    return {
      reason: `it was stopped outside Baton (${batchSays || 'no reason given'})`,
      exitCode,
      logTail: tail,
    };
  return { exitCode, reason: batchSays || undefined, logTail: tail };
}
