// What the executor follows in the cluster: the elements (completion indexes) of its Indexed Jobs.
// One watch of its Jobs and one of its pods serve every element: an element has started when a pod
// of its index runs, and has ended when its index is in the Job's completed or failed indexes, or the
// Job has ended or is gone. A pod that can never start (no such image, no such secret) ends its Job;
// one that no node has room for is reported, once per Job, and waited for (an autoscaler may add one).
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { ExecutorLogger } from '../types.ts';
import type { KubernetesApi } from './api.ts';
import { elementEnded, podIndex, podJob, podRefusal, podStarted, podUnschedulable } from './states.ts';
import { ResourceWatch } from './watch.ts';

interface Followed {
  started: Promise<void>;
  ended: Promise<void>;
  start: () => void;
  end: () => void;
  followers: number;
}

const elementKey = (job: string, index: number) => `${job}#${index}`;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

export class ClusterView {
  readonly jobs: ResourceWatch<V1Job>;
  readonly pods: ResourceWatch<V1Pod>;
  private readonly followed = new Map<string, Followed>();
  /** Followed indexes by Job name. */
  private readonly byJob = new Map<string, Set<number>>();
  /** Pods by element, by name. */
  private readonly podsOf = new Map<string, Map<string, V1Pod>>();
  /** Jobs seen deleted, and Jobs whose pods cannot start, with why. */
  private readonly gone = new Set<string>();
  private readonly refusals = new Map<string, string>();
  private readonly unschedulable = new Set<string>();
  private readonly onRefused: (job: string, reason: string) => void;
  private readonly onUnschedulable: (job: string, reason: string) => void;

  constructor(parts: {
    api: KubernetesApi;
    selector: string;
    pollMs: number;
    logger: ExecutorLogger;
    onRefused: (job: string, reason: string) => void;
    onUnschedulable: (job: string, reason: string) => void;
  }) {
    const common = { api: parts.api, selector: parts.selector, pollMs: parts.pollMs, logger: parts.logger };
    this.jobs = new ResourceWatch<V1Job>({
      ...common,
      resource: 'jobs',
      onChange: (job, deleted) => this.jobChanged(job, deleted),
    });
    this.pods = new ResourceWatch<V1Pod>({
      ...common,
      resource: 'pods',
      onChange: (pod, deleted) => this.podChanged(pod, deleted),
    });
    this.onRefused = parts.onRefused;
    this.onUnschedulable = parts.onUnschedulable;
  }

  /** Lists the executor's Jobs and pods (what an earlier scheduler left is among them). */
  async start(): Promise<void> {
    await Promise.all([this.jobs.sync(), this.pods.sync()]);
  }

  stop(): void {
    this.jobs.stop();
    this.pods.stop();
  }

  job(name: string): V1Job | undefined {
    return this.jobs.get(name);
  }

  refusal(job: string): string | undefined {
    return this.refusals.get(job);
  }

  /** The element's newest pod, whose log and exit tell how it ended. */
  lastPod(job: string, index: number): V1Pod | undefined {
    const pods = [...(this.podsOf.get(elementKey(job, index))?.values() ?? [])];
    return pods
      .sort((a, b) =>
        String(a.metadata?.creationTimestamp ?? '').localeCompare(
          String(b.metadata?.creationTimestamp ?? ''),
        ),
      )
      .at(-1);
  }

  /** Follows an element until `unfollow`; the watches run while any element is followed. */
  follow(job: string, index: number): { started: Promise<void>; ended: Promise<void> } {
    const key = elementKey(job, index);
    let followed = this.followed.get(key);
    if (!followed) {
      const started = deferred();
      const ended = deferred();
      followed = {
        started: started.promise,
        ended: ended.promise,
        start: started.resolve,
        end: () => {
          started.resolve();
          ended.resolve();
        },
        followers: 0,
      };
      if (this.followed.size === 0) {
        this.jobs.hold();
        this.pods.hold();
      }
      this.followed.set(key, followed);
      let indexes = this.byJob.get(job);
      if (!indexes) this.byJob.set(job, (indexes = new Set()));
      indexes.add(index);
      this.check(job, index, followed);
    }
    followed.followers++;
    return { started: followed.started, ended: followed.ended };
  }

  unfollow(job: string, index: number): void {
    const key = elementKey(job, index);
    const followed = this.followed.get(key);
    if (!followed || --followed.followers > 0) return;
    this.followed.delete(key);
    this.podsOf.delete(key);
    const indexes = this.byJob.get(job);
    indexes?.delete(index);
    if (indexes?.size === 0) this.byJob.delete(job);
    if (this.followed.size === 0) {
      this.jobs.release();
      this.pods.release();
    }
  }

  private check(job: string, index: number, followed: Followed): void {
    const object = this.jobs.get(job);
    if (this.gone.has(job) || this.refusals.has(job) || (object && elementEnded(object, index))) {
      followed.end();
      return;
    }
    const pods = this.podsOf.get(elementKey(job, index))?.values() ?? [];
    for (const pod of pods) if (podStarted(pod)) followed.start();
  }

  private checkJob(job: string): void {
    for (const index of this.byJob.get(job) ?? []) {
      const followed = this.followed.get(elementKey(job, index));
      if (followed) this.check(job, index, followed);
    }
  }

  private jobChanged(job: V1Job, deleted: boolean): void {
    const name = job.metadata?.name ?? '';
    if (deleted) this.gone.add(name);
    this.checkJob(name);
  }

  private podChanged(pod: V1Pod, deleted: boolean): void {
    const job = podJob(pod);
    const index = podIndex(pod);
    if (job === undefined || index === undefined) return;
    const key = elementKey(job, index);
    const followed = this.followed.get(key);
    let pods = this.podsOf.get(key);
    if (deleted && !followed) {
      pods?.delete(pod.metadata?.name ?? '');
      if (pods?.size === 0) this.podsOf.delete(key);
      return;
    }
    if (!pods) this.podsOf.set(key, (pods = new Map()));
    // The deleted pod of a followed element is kept: its exit code and reason tell how it ended.
    pods.set(pod.metadata?.name ?? '', pod);
    if (!deleted && !this.refusals.has(job)) {
      const refusal = podRefusal(pod);
      if (refusal) {
        this.refusals.set(job, refusal);
        this.onRefused(job, refusal);
      }
      const unschedulable = podUnschedulable(pod);
      if (unschedulable && !this.unschedulable.has(job)) {
        this.unschedulable.add(job);
        this.onUnschedulable(job, unschedulable);
      }
    }
    if (followed) this.check(job, index, followed);
  }
}
