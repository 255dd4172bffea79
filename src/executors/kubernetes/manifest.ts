// The batch/v1 Job Baton creates for a batch of calls: an Indexed Job whose element i runs
// `baton oneshot --list KEY` for the eval hashes on line i of a job list in scratch (the Job
// controller gives each pod its index in JOB_COMPLETION_INDEX). Task resources become container
// resources, `retries` the per-index backoff limit for failures that are not the task's own, the time
// limit a deadline for the whole Job, and labels name the executor, task and batch.
import type {
  V1Affinity,
  V1EnvVar,
  V1Job,
  V1ResourceRequirements,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';
import type { KubernetesOptions, PodSettings } from './options.ts';
import { CONTAINER } from './states.ts';

/** Exit codes of `baton oneshot` and of stopping it: the task failed (its error is in scratch), or the pod was killed (SIGKILL: a memory limit or a cancel; SIGTERM: a cancel). Kubernetes does not retry these. */
const FINAL_EXIT_CODES = [1, 137, 143];
/** Seconds a Job's deadline allows beyond its calls' time limits, for pulling the image and starting pods. */
export const DEADLINE_GRACE = 60;

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const EXECUTOR_LABEL = 'baton.dev/executor';
export const LIST_ANNOTATION = 'baton.dev/job-list';
export const SCRATCH_ANNOTATION = 'baton.dev/scratch';

/** `text` as a label value: lowercase letters, digits, `-`, `_` and `.`, at most `max` characters. */
export function labelValue(text: string, max = 63): string {
  const value = text
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .slice(0, max)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return value || 'x';
}

/** The label selector of every Job and pod of one executor. */
export function executorSelector(executor: string): string {
  return `${MANAGED_BY}=baton,${EXECUTOR_LABEL}=${labelValue(executor)}`;
}

/**
 * `baton-<task>-<batch>`: at most 42 characters, so that pod host names (`<job>-<index>`) stay
 * within Kubernetes's 63.
 */
export function jobName(task: string, batch: string): string {
  const slug = labelValue(task, 20).replace(/[_.]/g, '-').replace(/-+$/, '');
  return `baton-${slug}-${batch}`;
}

/** A CPU quantity: whole CPUs as a number, fractions in millicores. */
export function cpuQuantity(vcpus: number): string {
  return Number.isInteger(vcpus) ? String(vcpus) : `${Math.ceil(vcpus * 1000)}m`;
}

export function memoryQuantity(gib: number): string {
  return `${Math.ceil(gib * 1024)}Mi`;
}

function resources(settings: PodSettings): V1ResourceRequirements | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (settings.vcpus !== undefined) requests.cpu = cpuQuantity(settings.vcpus);
  if (settings.memory !== undefined) {
    requests.memory = memoryQuantity(settings.memory);
    limits.memory = requests.memory;
  }
  if (settings.gpus !== undefined && settings.gpus > 0)
    limits['nvidia.com/gpu'] = String(Math.ceil(settings.gpus));
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return undefined;
  return {
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

/** The container's environment: plain values, Secret references (never their values), and scratch settings. */
function environment(options: KubernetesOptions): V1EnvVar[] {
  const env: V1EnvVar[] = Object.entries(options.env).map(([name, value]) => ({ name, value }));
  for (const [name, reference] of Object.entries(options.secrets)) {
    const [secret, ...key] = reference.split('/');
    env.push({ name, valueFrom: { secretKeyRef: { name: secret!, key: key.join('/') } } });
  }
  if (options.s3_endpoint) env.push({ name: 'BATON_S3_ENDPOINT', value: options.s3_endpoint });
  if (options.s3_path_style) env.push({ name: 'BATON_S3_PATH_STYLE', value: '1' });
  return env;
}

export interface ManifestParts {
  executor: string;
  name: string;
  batch: string;
  task: string;
  /** The eval hash of a Job of one call, for its label. */
  evalHash?: string | undefined;
  /** Elements (pods that must succeed), and the calls they run between them. */
  elements: number;
  calls: number;
  /** Scratch key of the job list. */
  listKey: string;
  scratch: string;
  settings: PodSettings;
  options: KubernetesOptions;
}

export function jobManifest(parts: ManifestParts): V1Job {
  const { settings, options } = parts;
  const labels: Record<string, string> = {
    ...options.labels,
    [MANAGED_BY]: 'baton',
    [EXECUTOR_LABEL]: labelValue(parts.executor),
    'baton.dev/task': labelValue(parts.task),
    'baton.dev/batch': parts.batch,
    // The first 16 characters, as `baton log` shows them.
    ...(parts.evalHash ? { 'baton.dev/eval-hash': parts.evalHash.slice(0, 16) } : {}),
  };
  const annotations = {
    [LIST_ANNOTATION]: parts.listKey,
    [SCRATCH_ANNOTATION]: parts.scratch,
    'baton.dev/task': parts.task,
    'baton.dev/calls': String(parts.calls),
  };
  const command = [
    ...options.baton_command,
    'oneshot',
    '--scratch',
    parts.scratch,
    '--list',
    parts.listKey,
    '--code-cache',
    options.code_cache,
  ];
  const limit = settings.timeLimit;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: parts.name, labels, annotations },
    spec: {
      completionMode: 'Indexed',
      completions: parts.elements,
      parallelism: Math.min(parts.elements, options.parallelism ?? parts.elements),
      backoffLimitPerIndex: settings.retries,
      podFailurePolicy: {
        rules: [
          // Evicted or preempted pods start again without counting against the backoff limit.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          {
            action: 'FailIndex',
            onExitCodes: { containerName: CONTAINER, operator: 'In', values: FINAL_EXIT_CODES },
          },
        ],
      },
      // A backstop for when no scheduler watches: Baton stops each call at its own limit.
      ...(limit !== undefined
        ? { activeDeadlineSeconds: Math.ceil(limit) * parts.calls + DEADLINE_GRACE }
        : {}),
      ttlSecondsAfterFinished: options.ttl_seconds_after_finished,
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: 'Never',
          ...(settings.serviceAccount ? { serviceAccountName: settings.serviceAccount } : {}),
          ...(Object.keys(settings.nodeSelector).length > 0 ? { nodeSelector: settings.nodeSelector } : {}),
          ...(settings.tolerations.length > 0 ? { tolerations: settings.tolerations as V1Toleration[] } : {}),
          ...(settings.affinity ? { affinity: settings.affinity as V1Affinity } : {}),
          ...(settings.volumes.length > 0 ? { volumes: settings.volumes as V1Volume[] } : {}),
          containers: [
            {
              name: CONTAINER,
              image: settings.image,
              ...(options.image_pull_policy ? { imagePullPolicy: options.image_pull_policy } : {}),
              command,
              env: environment(options),
              ...(resources(settings) ? { resources: resources(settings) } : {}),
              ...(settings.volumeMounts.length > 0 ? { volumeMounts: settings.volumeMounts } : {}),
            },
          ],
        },
      },
    },
  };
}
