// The fake's Job controller, after kube-controller-manager's: it makes the pods of each Job (one per
// completion index for Indexed Jobs, `parallelism` at a time), counts their ends against
// podFailurePolicy, backoffLimit and backoffLimitPerIndex, fails Jobs past activeDeadlineSeconds,
// writes the Job's status and conditions, deletes finished Jobs after ttlSecondsAfterFinished, and
// on a Job's deletion deletes its pods (Background, Foreground) or leaves them running (Orphan).
import { randomBytes } from 'node:crypto';
import type { Node } from './node.ts';
import type { ObjectStore } from './objects.ts';
import { now, type Condition, type JobObject, type PodFailurePolicyRule, type PodObject } from './types.ts';

interface JobState {
  job: JobObject;
  indexed: boolean;
  completions: number;
  parallelism: number;
  completed: Set<number>;
  failedIndexes: Set<number>;
  perIndexFailures: Map<number, number>;
  failures: number;
  succeeded: number;
  /** Pods not yet removed, by name. */
  pods: Map<string, PodObject>;
  /** No more pods are made: it failed, completed or was deleted. */
  finished: boolean;
  timers: NodeJS.Timeout[];
}

const INDEX = 'batch.kubernetes.io/job-completion-index';
const terminal = (pod: PodObject) => pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed';

/** `0-3,5,7-8`: how the Job status writes a set of indexes. */
export function formatIndexes(indexes: Set<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

function condition(type: string, reason: string, message: string): Condition {
  const time = now();
  return { type, status: 'True', reason, message, lastProbeTime: time, lastTransitionTime: time };
}

export class JobController {
  private readonly store: ObjectStore;
  private readonly node: Node;
  private readonly states = new Map<string, JobState>();
  /** Pods left running by a Job deleted without propagation (the API's default for Jobs). */
  orphaned = 0;
  closed = false;

  constructor(store: ObjectStore, node: Node) {
    this.store = store;
    this.node = node;
  }

  /** A Job was just stored: default its spec, start its clock and make its first pods. */
  created(job: JobObject): void {
    const spec = job.spec;
    const indexed = spec.completionMode === 'Indexed';
    spec.completionMode = indexed ? 'Indexed' : 'NonIndexed';
    spec.parallelism ??= 1;
    spec.completions ??= 1;
    if (spec.backoffLimitPerIndex === undefined) spec.backoffLimit ??= 6;
    else spec.backoffLimit ??= 2147483647;
    const state: JobState = {
      job,
      indexed,
      completions: spec.completions,
      parallelism: spec.parallelism,
      completed: new Set(),
      failedIndexes: new Set(),
      perIndexFailures: new Map(),
      failures: 0,
      succeeded: 0,
      pods: new Map(),
      finished: false,
      timers: [],
    };
    this.states.set(job.metadata.uid, state);
    job.status = { startTime: now(), active: 0, ready: 0, terminating: 0, succeeded: 0, failed: 0 };
    if (spec.activeDeadlineSeconds !== undefined) {
      const timer = setTimeout(
        () => this.fail(state, 'DeadlineExceeded', 'Job was active longer than specified deadline'),
        spec.activeDeadlineSeconds * 1000,
      );
      state.timers.push(timer.unref());
    }
    this.sync(state);
  }

  /** Makes the pods the Job lacks, up to its parallelism, and writes its status. */
  private sync(state: JobState): void {
    if (!state.finished && !this.closed) {
      const active = [...state.pods.values()].filter(
        (pod) => !terminal(pod) && !pod.metadata.deletionTimestamp,
      );
      let room = state.parallelism - active.length;
      if (state.indexed) {
        const busy = new Set(active.map((pod) => Number(pod.metadata.annotations![INDEX])));
        for (let index = 0; index < state.completions && room > 0; index++) {
          if (state.completed.has(index) || state.failedIndexes.has(index) || busy.has(index)) continue;
          this.makePod(state, index);
          room--;
        }
      } else {
        room = Math.min(room, state.completions - state.succeeded - active.length);
        for (; room > 0; room--) this.makePod(state, undefined);
      }
    }
    this.writeStatus(state);
  }

  private writeStatus(state: JobState): void {
    const pods = [...state.pods.values()];
    const status = state.job.status;
    status.active = pods.filter((pod) => !terminal(pod) && !pod.metadata.deletionTimestamp).length;
    status.ready = pods.filter(
      (pod) => pod.status.phase === 'Running' && !pod.metadata.deletionTimestamp,
    ).length;
    status.terminating = pods.filter((pod) => pod.metadata.deletionTimestamp && !terminal(pod)).length;
    status.succeeded = state.indexed ? state.completed.size : state.succeeded;
    if (state.indexed) status.completedIndexes = formatIndexes(state.completed);
    if (state.job.spec.backoffLimitPerIndex !== undefined)
      status.failedIndexes = formatIndexes(state.failedIndexes);
    status.uncountedTerminatedPods = {};
    this.store.update('jobs', state.job);
  }

  private makePod(state: JobState, index: number | undefined): void {
    const { job } = state;
    const suffix = randomBytes(3).toString('hex').slice(0, 5);
    const name =
      index === undefined ? `${job.metadata.name}-${suffix}` : `${job.metadata.name}-${index}-${suffix}`;
    const template = structuredClone(job.spec.template);
    const labels: Record<string, string> = {
      ...template.metadata?.labels,
      'batch.kubernetes.io/controller-uid': job.metadata.uid,
      'batch.kubernetes.io/job-name': job.metadata.name,
      'controller-uid': job.metadata.uid,
      'job-name': job.metadata.name,
    };
    const annotations: Record<string, string> = { ...template.metadata?.annotations };
    if (index !== undefined) {
      labels[INDEX] = String(index);
      annotations[INDEX] = String(index);
      template.spec.hostname = `${job.metadata.name}-${index}`;
      for (const container of template.spec.containers) {
        container.env = [
          ...(container.env ?? []),
          {
            name: 'JOB_COMPLETION_INDEX',
            valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX}']` } },
          },
        ];
      }
    }
    const pod: PodObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: job.metadata.namespace,
        uid: '',
        resourceVersion: '',
        creationTimestamp: '',
        labels,
        annotations,
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: job.metadata.name,
            uid: job.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: template.spec,
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] },
    };
    state.pods.set(name, this.store.add('pods', pod));
    this.node.schedule(pod);
  }

  private stateOf(pod: PodObject): JobState | undefined {
    const owner = pod.metadata.ownerReferences?.find((reference) => reference.kind === 'Job');
    return owner ? this.states.get(owner.uid) : undefined;
  }

  /** The rule of the Job's podFailurePolicy that a failed pod matches, as the controller reads them. */
  private rule(state: JobState, pod: PodObject): PodFailurePolicyRule | undefined {
    const exits = (pod.status.containerStatuses ?? []).flatMap((status) =>
      status.state.terminated ? [{ name: status.name, code: status.state.terminated.exitCode }] : [],
    );
    return state.job.spec.podFailurePolicy?.rules.find((rule) => {
      if (rule.onExitCodes) {
        const { containerName, operator, values } = rule.onExitCodes;
        return exits.some(
          (exit) =>
            (containerName === undefined || containerName === exit.name) &&
            exit.code !== 0 &&
            (operator === 'In' ? values.includes(exit.code) : !values.includes(exit.code)),
        );
      }
      return (rule.onPodConditions ?? []).some((wanted) =>
        (pod.status.conditions ?? []).some(
          (has) => has.type === wanted.type && has.status === (wanted.status ?? 'True'),
        ),
      );
    });
  }

  /** A pod of a Job reached Succeeded or Failed (its process exited, or it was deleted). */
  podEnded(pod: PodObject): void {
    const state = this.stateOf(pod);
    if (!state || state.finished || this.closed) {
      if (state) this.writeStatus(state);
      return;
    }
    const index = state.indexed ? Number(pod.metadata.annotations![INDEX]) : undefined;
    const spec = state.job.spec;
    if (pod.status.phase === 'Succeeded') {
      if (index === undefined) state.succeeded++;
      else state.completed.add(index);
    } else {
      const rule = this.rule(state, pod);
      const action = rule?.action ?? 'Count';
      if (action !== 'Ignore') state.job.status.failed = (state.job.status.failed ?? 0) + 1;
      if (action === 'FailJob') {
        const code = pod.status.containerStatuses?.[0]?.state.terminated?.exitCode;
        const at = spec.podFailurePolicy!.rules.indexOf(rule!);
        this.fail(
          state,
          'PodFailurePolicy',
          `Container ${pod.spec.containers[0]!.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${code} matching FailJob rule at index ${at}`,
        );
        return;
      }
      if (action === 'FailIndex' && index !== undefined) state.failedIndexes.add(index);
      if (action === 'Count') {
        if (spec.backoffLimitPerIndex !== undefined && index !== undefined) {
          const failures = (state.perIndexFailures.get(index) ?? 0) + 1;
          state.perIndexFailures.set(index, failures);
          if (failures > spec.backoffLimitPerIndex) state.failedIndexes.add(index);
        } else if (++state.failures > spec.backoffLimit!) {
          this.fail(state, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
          return;
        }
      }
      if (spec.maxFailedIndexes !== undefined && state.failedIndexes.size > spec.maxFailedIndexes) {
        this.fail(
          state,
          'MaxFailedIndexesExceeded',
          'Job has exceeded the specified maximal number of failed indexes',
        );
        return;
      }
    }
    const done = state.indexed ? state.completed.size + state.failedIndexes.size : state.succeeded;
    if (done >= state.completions) {
      if (state.failedIndexes.size > 0) this.fail(state, 'FailedIndexes', 'Job has failed indexes');
      else this.complete(state);
      return;
    }
    this.sync(state);
  }

  private complete(state: JobState): void {
    state.finished = true;
    const status = state.job.status;
    status.conditions = [
      ...(status.conditions ?? []),
      condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'),
    ];
    status.completionTime = now();
    this.writeStatus(state);
    this.afterFinish(state);
  }

  /** FailureTarget at once; its active pods are deleted; Failed once they are gone. */
  private fail(state: JobState, reason: string, message: string): void {
    if (state.finished) return;
    state.finished = true;
    const status = state.job.status;
    status.conditions = [...(status.conditions ?? []), condition('FailureTarget', reason, message)];
    this.writeStatus(state);
    const active = [...state.pods.values()].filter((pod) => !terminal(pod));
    void Promise.all(active.map((pod) => this.deletePod(pod))).then(() => {
      if (!this.states.has(state.job.metadata.uid)) return;
      status.conditions = [...(status.conditions ?? []), condition('Failed', reason, message)];
      this.writeStatus(state);
      this.afterFinish(state);
    });
  }

  private afterFinish(state: JobState): void {
    const ttl = state.job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const timer = setTimeout(() => void this.deleteJob(state.job, 'Background'), ttl * 1000);
    state.timers.push(timer.unref());
  }

  /** Deletes a pod: its process is stopped, it ends Failed if it had not ended, then it is removed. */
  async deletePod(pod: PodObject): Promise<void> {
    if (pod.metadata.deletionTimestamp) return;
    pod.metadata.deletionTimestamp = now();
    this.store.update('pods', pod);
    const state = this.stateOf(pod);
    if (state) this.writeStatus(state);
    await this.node.stop(pod);
    if (!terminal(pod)) {
      pod.status.phase = 'Failed';
      this.store.update('pods', pod);
      this.podEnded(pod);
    }
    this.store.remove('pods', pod);
    this.node.forget(pod);
    if (state) {
      state.pods.delete(pod.metadata.name);
      if (this.states.has(state.job.metadata.uid)) this.writeStatus(state);
    }
  }

  /** Deletes a Job; its pods go with it unless the policy is Orphan (or none is given). */
  async deleteJob(job: JobObject, policy: string | undefined): Promise<void> {
    const state = this.states.get(job.metadata.uid);
    this.store.remove('jobs', job);
    if (!state) return;
    this.states.delete(job.metadata.uid);
    state.finished = true;
    for (const timer of state.timers) clearTimeout(timer);
    const pods = [...state.pods.values()];
    if (policy === 'Background' || policy === 'Foreground') {
      await Promise.all(pods.map((pod) => this.deletePod(pod)));
      return;
    }
    for (const pod of pods) {
      pod.metadata.ownerReferences = [];
      this.store.update('pods', pod);
      if (!terminal(pod)) this.orphaned++;
    }
  }

  close(): void {
    this.closed = true;
    for (const state of this.states.values()) for (const timer of state.timers) clearTimeout(timer);
  }
}
