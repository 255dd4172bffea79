// Talking to Kubernetes: the calls of a burst go out as one Indexed Job (one POST), whose elements run
// `baton oneshot --list` over a job list in scratch; one watch of the executor's Jobs and one of its
// pods follow every element; a cancel deletes the Job (propagationPolicy Background) or, when other
// elements of it are still wanted, the pods of the cancelled ones. A scheduler after a restart finds
// its calls in the job lists of the Jobs its executor's label selector lists.
import { randomBytes } from 'node:crypto';
import { ExecutorError } from '../../errors.ts';
import { SubmitBatcher } from '../remote/batcher.ts';
import { spreadCalls, writeJobList } from '../remote/job-list.ts';
import { PackedElements } from '../remote/packed.ts';
import type { RemotePlumbing } from '../remote/plumbing.ts';
import type { EngineExit, RemoteEngine } from '../remote/run-remote.ts';
import type { ExecutorLogger, JobRequest } from '../types.ts';
import { KubernetesApi } from './api.ts';
import { ClusterView } from './elements.ts';
import { executorSelector, jobManifest, jobName, LIST_ANNOTATION, SCRATCH_ANNOTATION } from './manifest.ts';
import { podSettings, type KubernetesOptions, type PodSettings } from './options.ts';
import { elementEnded, explainEnd, jobEnd, podStarted } from './states.ts';

/** Lines of a pod's log kept for an error. */
const TAIL_LINES = 40;
/** Job lists read at once when a restarted scheduler looks for its calls. */
const LIST_READS_AT_ONCE = 16;

export interface KubernetesHandle {
  /** The Job's name. */
  job: string;
  /** The element (completion index) that runs the call. */
  index: number;
  evalHash: string;
  /** Why the API server refused the Job. */
  refused?: string | undefined;
  /** The element runs other calls too: its end is not this call's end, nor is cancelling it. */
  packed?: boolean | undefined;
}

/** Where a call of a Job listed at start runs, and the calls its element runs in order. */
interface Spot {
  job: string;
  index: number;
  order: string[];
}

interface Plan {
  /** Calls with the same key can share a Job. */
  key: string;
  settings: PodSettings;
}

const elementKey = (handle: KubernetesHandle) => `${handle.job}#${handle.index}`;

export class KubernetesEngine implements RemoteEngine<KubernetesHandle> {
  private readonly executor: string;
  private readonly options: KubernetesOptions;
  private readonly plumbing: RemotePlumbing;
  private readonly batcher: SubmitBatcher<KubernetesHandle>;
  private readonly plans = new WeakMap<JobRequest, Plan>();
  private api: KubernetesApi | undefined;
  private view: ClusterView | undefined;
  private logger: ExecutorLogger | undefined;
  /** Jobs listed at start: what an earlier scheduler may have left. */
  private listedAtStart: string[] = [];
  /** Eval hash → element, from the job lists of those Jobs; read on the first `find`. */
  private leftBehind: Promise<Map<string, Spot>> | undefined;
  private readonly packed: PackedElements;
  private readonly followed = new WeakSet<KubernetesHandle>();
  /** Elements to stop at the end of this moment, by Job (Ctrl-C on a fan-out: one DELETE per Job). */
  private readonly cancels = new Map<string, Set<number>>();
  private cancelling: Promise<void> | undefined;
  private readonly deletions = new Set<Promise<unknown>>();

  constructor(parts: { executor: string; options: KubernetesOptions; plumbing: RemotePlumbing }) {
    this.executor = parts.executor;
    this.options = parts.options;
    this.plumbing = parts.plumbing;
    this.batcher = new SubmitBatcher(parts.options.max_array_size, (_key, jobs) => this.submitBatch(jobs));
    this.packed = new PackedElements(parts.options.poll_interval * 1000, async (evalHash) => {
      const state = (await this.plumbing.files(evalHash).status())?.state;
      return state === 'done' || state === 'failed';
    });
  }

  /** Finds the cluster (failing with where it looked) and lists what an earlier scheduler left there. */
  async start(setup: { root: string; logger: ExecutorLogger }): Promise<void> {
    this.logger = setup.logger;
    const api = await KubernetesApi.connect({
      executor: this.executor,
      kubeconfig: this.options.kubeconfig,
      context: this.options.context,
      namespace: this.options.namespace,
      root: setup.root,
      env: process.env,
      logger: setup.logger,
    });
    this.api = api;
    this.view = new ClusterView({
      api,
      selector: executorSelector(this.executor),
      pollMs: this.options.poll_interval * 1000,
      logger: setup.logger,
      onRefused: (job, reason) => this.refused(job, reason),
      onUnschedulable: (job, reason) =>
        setup.logger.warn(`the pods of Job ${job} wait for a node with room for them: ${reason}`),
    });
    await this.view.start();
    this.listedAtStart = [...this.view.jobs.values()]
      .filter((job) => jobEnd(job) === undefined)
      .map((job) => job.metadata?.name ?? '');
    setup.logger.debug(
      `Kubernetes API ${api.server}, namespace ${api.namespace} (configuration from ${api.source}); ` +
        `${this.listedAtStart.length} running Job(s) of this executor listed`,
    );
  }

  /** The pod settings and batching key of a job; a ConfigError for a task option of the wrong type. */
  plan(job: JobRequest): Plan {
    let plan = this.plans.get(job);
    if (!plan) {
      const settings = podSettings(this.options, job);
      plan = { key: JSON.stringify([job.task.hash, settings]), settings };
      this.plans.set(job, plan);
    }
    return plan;
  }

  async find(job: JobRequest): Promise<{ handle: KubernetesHandle; running: boolean } | undefined> {
    this.batcher.expect(this.plan(job).key, job);
    if (this.listedAtStart.length === 0) return undefined;
    this.leftBehind ??= this.readJobLists();
    const left = await this.leftBehind;
    const spot = left.get(job.evalHash);
    if (!spot) return undefined;
    left.delete(job.evalHash);
    const packed = spot.order.length > 1;
    const handle: KubernetesHandle = { job: spot.job, index: spot.index, evalHash: job.evalHash, packed };
    const object = this.view!.job(spot.job);
    const running =
      object !== undefined && !elementEnded(object, spot.index) && !this.view!.refusal(spot.job);
    // A packed element is claimed by each of its calls that this scheduler wants.
    if (running && packed) this.packed.add(elementKey(handle), spot.order, [job.evalHash]);
    return { handle, running };
  }

  submit(job: JobRequest): Promise<KubernetesHandle> {
    return this.batcher.add(this.plan(job).key, job);
  }

  skipped(job: JobRequest): void {
    this.batcher.skip(job);
  }

  async started(handle: KubernetesHandle): Promise<void> {
    if (handle.refused === undefined) await this.follow(handle).started;
  }

  async wait(handle: KubernetesHandle, job: JobRequest): Promise<EngineExit> {
    if (handle.refused !== undefined) return { refused: true, reason: handle.refused };
    const { ended } = this.follow(handle);
    if (handle.packed) {
      // A call of a packed element is done when its result is written, while the element goes on.
      await Promise.race([ended, this.packed.done(elementKey(handle), job.evalHash, ended)]);
      this.packed.release(elementKey(handle), job.evalHash);
    } else {
      await ended;
    }
    const view = this.view!;
    const refusal = view.refusal(handle.job);
    if (refusal) return { refused: true, reason: `the pods of Job ${handle.job} cannot start: ${refusal}` };
    const files = this.plumbing.files(job.evalHash);
    const state = (await files.status())?.state;
    if (state === 'done') return { exitCode: 0 };
    const pod = view.lastPod(handle.job, handle.index);
    const name = pod && podStarted(pod) ? pod.metadata?.name : undefined;
    const log = ((name && (await this.api!.podLog(name, TAIL_LINES))) || '').trimEnd();
    if (state === 'failed') return { exitCode: 1, logTail: log || undefined };
    return explainEnd({ job: view.job(handle.job), pod, log });
  }

  /**
   * Stops a call. Its element is stopped when no other call of it is wanted here; the cancels of one
   * moment go out together: a Job whose every running element is cancelled is deleted, else the
   * pods of its cancelled elements are.
   */
  cancel(handle: KubernetesHandle): Promise<void> {
    if (handle.refused !== undefined) return Promise.resolve();
    // The other calls of a packed element go on: it is stopped with the last one still wanted.
    if (handle.packed && !this.packed.release(elementKey(handle), handle.evalHash)) return Promise.resolve();
    let indexes = this.cancels.get(handle.job);
    if (!indexes) this.cancels.set(handle.job, (indexes = new Set()));
    indexes.add(handle.index);
    this.cancelling ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const cancels = [...this.cancels];
        this.cancels.clear();
        this.cancelling = undefined;
        void Promise.all(cancels.map(([job, cancelled]) => this.stopElements(job, cancelled))).then(() =>
          resolve(),
        );
      }),
    );
    return this.cancelling;
  }

  async release(handle: KubernetesHandle): Promise<void> {
    if (this.followed.has(handle)) {
      this.followed.delete(handle);
      this.view?.unfollow(handle.job, handle.index);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.deletions]);
    this.packed.stop();
    this.view?.stop();
  }

  private follow(handle: KubernetesHandle): { started: Promise<void>; ended: Promise<void> } {
    const followed = this.view!.follow(handle.job, handle.index);
    // One follow per handle: `started` and `wait` share it, `release` ends it.
    if (this.followed.has(handle)) this.view!.unfollow(handle.job, handle.index);
    this.followed.add(handle);
    return followed;
  }

  private async stopElements(name: string, cancelled: Set<number>): Promise<void> {
    const view = this.view!;
    const job = view.job(name);
    const elements = job?.spec?.completions ?? 0;
    let othersRun = false;
    for (let index = 0; index < elements && !othersRun; index++) {
      othersRun = !cancelled.has(index) && !elementEnded(job!, index);
    }
    const deletion = othersRun
      ? Promise.all(
          [...cancelled].map((index) => {
            const pod = view.lastPod(name, index);
            return pod?.metadata?.name ? this.api!.deletePod(pod.metadata.name) : undefined;
          }),
        )
      : this.api!.deleteJob(name);
    this.deletions.add(deletion);
    try {
      await deletion;
    } catch (error) {
      this.logger?.warn(`could not stop Job ${name}: ${(error as Error).message}`);
    } finally {
      this.deletions.delete(deletion);
    }
  }

  /** A Job whose pods cannot start is deleted: its calls fail at once with the kubelet's reason. */
  private refused(job: string, reason: string): void {
    this.logger?.warn(`the pods of Job ${job} cannot start (${reason}); deleting it`);
    const deletion = this.api!.deleteJob(job).catch(() => undefined);
    this.deletions.add(deletion);
    void deletion.then(() => this.deletions.delete(deletion));
  }

  /** The calls of the Jobs listed at start, by eval hash, from their job lists in this scratch. */
  private async readJobLists(): Promise<Map<string, Spot>> {
    const found = new Map<string, Spot>();
    const scratch = this.plumbing.scratch;
    const queue = this.listedAtStart.filter((name) => {
      const annotations = this.view!.job(name)?.metadata?.annotations;
      return annotations?.[LIST_ANNOTATION] && annotations[SCRATCH_ANNOTATION] === scratch.uri;
    });
    const reader = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const key = this.view!.job(name)?.metadata?.annotations?.[LIST_ANNOTATION];
        const bytes = key ? await scratch.get(key).catch(() => undefined) : undefined;
        if (!bytes) continue;
        new TextDecoder()
          .decode(bytes)
          .split('\n')
          .forEach((line, index) => {
            const order = line.split(' ').filter((hash) => hash !== '');
            for (const hash of order) found.set(hash, { job: name, index, order });
          });
      }
    };
    await Promise.all(Array.from({ length: LIST_READS_AT_ONCE }, reader));
    return found;
  }

  /** How many elements `calls` calls of one plan go out in: a call with a time limit gets one of its own. */
  private elementCount(calls: number, plan: Plan): number {
    if (plan.settings.timeLimit !== undefined) return calls;
    return Math.ceil(calls / this.options.calls_per_element);
  }

  /** One Indexed Job for calls of one plan; a Job the API server refuses fails its calls, not the run. */
  private async submitBatch(jobs: JobRequest[]): Promise<KubernetesHandle[]> {
    const plan = this.plan(jobs[0]!);
    const task = jobs[0]!.task.name;
    const batch = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const name = jobName(task, batch);
    const elements = spreadCalls(jobs, this.elementCount(jobs.length, plan));
    const listKey = `kubernetes/${batch}/jobs`;
    await writeJobList(
      this.plumbing.scratch,
      listKey,
      elements.map((calls) => calls.map((job) => job.evalHash)),
    );
    const manifest = jobManifest({
      executor: this.executor,
      name,
      batch,
      task,
      evalHash: jobs.length === 1 ? jobs[0]!.evalHash : undefined,
      elements: elements.length,
      calls: jobs.length,
      listKey,
      scratch: this.plumbing.scratch.uri,
      settings: plan.settings,
      options: this.options,
    });
    const handles: KubernetesHandle[] = elements.flatMap((calls, index) =>
      calls.map((job) => ({ job: name, index, evalHash: job.evalHash, packed: calls.length > 1 })),
    );
    try {
      await this.api!.createJob(manifest);
    } catch (error) {
      if (error instanceof ExecutorError && !error.retryable) {
        const refused = error.hint ? `${error.message} (${error.hint})` : error.message;
        return handles.map((handle) => ({ ...handle, refused }));
      }
      throw error;
    }
    this.logger?.debug(
      `created Job ${name}: ${jobs.length} call(s) of task ${task} in ${elements.length} pod(s)`,
    );
    elements.forEach((calls, index) => {
      if (calls.length > 1)
        this.packed.add(
          `${name}#${index}`,
          calls.map((job) => job.evalHash),
        );
    });
    return handles;
  }
}
