// Reading Kubernetes: when an element of an Indexed Job has ended (its index completed or failed, or
// the Job ended), when its pod has started, when a pod can never start (no image, no secret), and why
// an element that wrote no result ended, from the Job's conditions and the pod's container state.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { EngineExit } from '../remote/run-remote.ts';

export const INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
export const CONTAINER = 'baton';

/** Waiting reasons of a container that will not start without a change to the Job or the cluster. */
const REFUSALS = new Set([
  'InvalidImageName',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** Whether `index` is in a Job status index set such as `0-3,5,7-8`. */
export function hasIndex(set: string | undefined, index: number): boolean {
  if (!set) return false;
  return set.split(',').some((range) => {
    const [first, last] = range.split('-').map(Number);
    return index >= first! && index <= (last ?? first!);
  });
}

/** How a Job ended, from its conditions (FailureTarget and SuccessCriteriaMet come first); undefined while it runs. */
export function jobEnd(job: V1Job): { failed: boolean; reason: string; message: string } | undefined {
  for (const type of ['Failed', 'FailureTarget', 'Complete', 'SuccessCriteriaMet']) {
    const condition = job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
    if (condition) {
      return {
        failed: type === 'Failed' || type === 'FailureTarget',
        reason: condition.reason ?? type,
        message: condition.message ?? '',
      };
    }
  }
  return undefined;
}

/** Whether element `index` of `job` has ended: its index completed or failed, or the whole Job ended. */
export function elementEnded(job: V1Job, index: number): boolean {
  const status = job.status;
  return (
    hasIndex(status?.completedIndexes, index) ||
    hasIndex(status?.failedIndexes, index) ||
    jobEnd(job) !== undefined
  );
}

/** The completion index of a pod of an Indexed Job. */
export function podIndex(pod: V1Pod): number | undefined {
  const text = pod.metadata?.labels?.[INDEX_LABEL] ?? pod.metadata?.annotations?.[INDEX_LABEL];
  return text === undefined ? undefined : Number(text);
}

/** The name of the Job a pod belongs to. */
export function podJob(pod: V1Pod): string | undefined {
  const labels = pod.metadata?.labels;
  return labels?.['batch.kubernetes.io/job-name'] ?? labels?.['job-name'];
}

export function podStarted(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Running' || phase === 'Succeeded' || phase === 'Failed';
}

/** Why a pod's container can never start, in the kubelet's words; undefined while it still may. */
export function podRefusal(pod: V1Pod): string | undefined {
  const waiting = pod.status?.containerStatuses?.find((status) => status.name === CONTAINER)?.state?.waiting;
  if (!waiting?.reason || !REFUSALS.has(waiting.reason)) return undefined;
  return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
}

/** Why the scheduler cannot place a pod yet (no node has room for it), in its words; undefined otherwise. */
export function podUnschedulable(pod: V1Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  return scheduled.message ?? 'Unschedulable';
}

/**
 * Why an element that wrote no result ended: `job` is the Job as last seen (undefined once it was
 * deleted), `pod` the element's last pod, `log` its log tail. A memory kill and the Job's deadline are
 * the task's own (not retried as system failures); an eviction or a lost pod is the system's.
 */
export function explainEnd(parts: {
  job: V1Job | undefined;
  pod: V1Pod | undefined;
  log: string;
}): EngineExit {
  const { job, pod } = parts;
  const logTail = parts.log || undefined;
  const container = pod?.status?.containerStatuses?.find((status) => status.name === CONTAINER);
  const terminated = container?.state?.terminated ?? container?.lastState?.terminated;
  const exitCode = terminated?.exitCode;
  if (terminated?.reason === 'OOMKilled') return { memoryKilled: true, exitCode, logTail };
  const end = job ? jobEnd(job) : undefined;
  if (end?.reason === 'DeadlineExceeded') return { timedOut: true, logTail };
  const said: string[] = [];
  const podName = pod?.metadata?.name;
  const disruption = pod?.status?.conditions?.find(
    (c) => c.type === 'DisruptionTarget' && c.status === 'True',
  );
  if (disruption)
    said.push(`pod ${podName} was disrupted (${disruption.reason}: ${disruption.message ?? ''})`);
  else if (pod?.status?.reason)
    said.push(`pod ${podName}: ${pod.status.reason}: ${pod.status.message ?? ''}`);
  else if (terminated) {
    const why = terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : '';
    said.push(`pod ${podName} exited with code ${terminated.exitCode}${why}`);
  }
  if (!job) said.push('its Job was deleted outside Baton');
  else if (end?.failed)
    said.push(`Job ${job.metadata?.name} failed: ${end.reason}${end.message ? `: ${end.message}` : ''}`);
  return { exitCode, reason: said.join('; ') || 'the Job ended', logTail };
}
