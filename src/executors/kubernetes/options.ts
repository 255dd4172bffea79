// The options of a `type = "kubernetes"` executor section, and the pod settings a task may override.
import { z } from 'zod';
import { optionsValidator, type OptionShape } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';
import { REMOTE_SHAPE, resolveRemoteSection, type RemoteOptions } from '../remote/options.ts';
import type { ExecutorOptionsValidator, JobRequest } from '../types.ts';

const list = z.array(z.string().min(1));
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const stringTable = z.record(z.string().min(1), z.string());
const labelTable = z.record(z.string().regex(LABEL_KEY), z.string().regex(LABEL_VALUE));
const toleration = z
  .object({
    key: z.string().optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.int().optional(),
  })
  .strict();
/** The sources a Volume may have (core/v1 Volume); the client drops any other key, so a typo would vanish. */
const VOLUME_SOURCES = new Set(
  (
    'awsElasticBlockStore azureDisk azureFile cephfs cinder configMap csi downwardAPI emptyDir ' +
    'ephemeral fc flexVolume flocker gcePersistentDisk gitRepo glusterfs hostPath image iscsi nfs ' +
    'persistentVolumeClaim photonPersistentDisk portworxVolume projected quobyte rbd scaleIO secret ' +
    'storageos vsphereVolume'
  ).split(' '),
);
/** A Volume as Kubernetes spells it: a name and one source (persistentVolumeClaim, emptyDir, configMap, ...). */
const volume = z.looseObject({ name: z.string().regex(DNS_LABEL) }).refine((value) => {
  const sources = Object.keys(value).filter((key) => key !== 'name');
  return sources.length === 1 && VOLUME_SOURCES.has(sources[0]!);
});
/** Where a volume appears in the container. */
const volumeMount = z
  .object({
    name: z.string().regex(DNS_LABEL),
    mountPath: z.string().startsWith('/'),
    readOnly: z.boolean().optional(),
    subPath: z.string().min(1).optional(),
  })
  .strict();
/** An Affinity object as Kubernetes spells it (nodeAffinity, podAffinity, podAntiAffinity). */
const affinity = z.record(z.enum(['nodeAffinity', 'podAffinity', 'podAntiAffinity']), z.unknown());

/** The pod settings a task's own options may set, over the section's. */
const TASK_SHAPE = {
  image: z.string().min(1).describe('an image name such as "ghcr.io/me/app:1"'),
  service_account: z.string().regex(DNS_LABEL).describe('a service account name'),
  node_selector: stringTable.describe('a table of node labels, e.g. { "kubernetes.io/arch" = "amd64" }'),
  tolerations: z
    .array(toleration)
    .describe('a list of tolerations such as [{ key = "gpu", operator = "Exists", effect = "NoSchedule" }]'),
  affinity: affinity.describe('an Affinity table with nodeAffinity, podAffinity or podAntiAffinity'),
  volumes: z
    .array(volume)
    .describe(
      'a list of volumes, each a name and one source, e.g. [{ name = "data", persistentVolumeClaim = { claimName = "datasets" } }]',
    ),
  volume_mounts: z
    .array(volumeMount)
    .describe('a list of mounts such as [{ name = "data", mountPath = "/data", readOnly = true }]'),
} satisfies OptionShape;

export const KUBERNETES_SHAPE = {
  ...REMOTE_SHAPE,
  image: TASK_SHAPE.image,
  namespace: z.string().regex(DNS_LABEL).optional().describe('a namespace name such as "batch-jobs"'),
  kubeconfig: z.string().min(1).optional().describe('the path of a kubeconfig file'),
  context: z.string().min(1).optional().describe('a context name of the kubeconfig'),
  service_account: TASK_SHAPE.service_account.optional(),
  image_pull_policy: z
    .enum(['Always', 'IfNotPresent', 'Never'])
    .optional()
    .describe('"Always", "IfNotPresent" or "Never"'),
  node_selector: TASK_SHAPE.node_selector.default({}),
  tolerations: TASK_SHAPE.tolerations.default([]),
  affinity: TASK_SHAPE.affinity.optional(),
  volumes: TASK_SHAPE.volumes.default([]),
  volume_mounts: TASK_SHAPE.volume_mounts.default([]),
  env: z
    .record(z.string().regex(ENV_NAME), z.string())
    .default({})
    .describe('a table of environment variables'),
  secrets: z
    .record(z.string().regex(ENV_NAME), z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[-._a-zA-Z0-9]+$/))
    .default({})
    .describe('a table of environment variables taken from Secrets, e.g. { API_TOKEN = "my-secret/token" }'),
  labels: labelTable.default({}).describe('a table of extra labels for the Jobs and their pods'),
  baton_command: list
    .min(1)
    .default(['baton'])
    .describe('the command that runs Baton in the image, as a list, e.g. ["node", "/app/bin/baton.js"]'),
  code_cache: z.string().min(1).default('/tmp/baton-code').describe('a folder path inside the pods'),
  ttl_seconds_after_finished: z.int().min(0).default(3600).describe('a whole number of seconds >= 0'),
  max_array_size: z
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe('a whole number from 1 to 100000 (1 submits every call as a Job of its own)'),
  calls_per_element: z
    .int()
    .min(1)
    .max(100_000)
    .default(1)
    .describe('a whole number >= 1 (1 runs every call in a pod of its own)'),
  parallelism: z.int().min(1).optional().describe('a whole number >= 1'),
  poll_interval: z
    .number()
    .min(0.1)
    .max(600)
    .default(2)
    .describe('seconds between two reads of Job states when they cannot be watched, from 0.1 to 600'),
} satisfies OptionShape;

export type Toleration = z.infer<typeof toleration>;
export type Volume = z.infer<typeof volume>;
export type VolumeMount = z.infer<typeof volumeMount>;

export interface KubernetesOptions extends RemoteOptions {
  /** The image each pod runs; it must have Node and Baton. */
  image: string;
  /** Where the Jobs go. @default the kubeconfig context's namespace, else the pod's own (in-cluster), else "default" */
  namespace?: string | undefined;
  /** A kubeconfig file, relative to the config root. @default $KUBECONFIG, ~/.kube/config, then in-cluster */
  kubeconfig?: string | undefined;
  /** The kubeconfig context to use. @default its current-context */
  context?: string | undefined;
  /** `serviceAccountName` of the pods (what they may do in the cluster, and cloud roles bound to it). @default the namespace's default */
  service_account?: string | undefined;
  /** `imagePullPolicy` of the container. @default Kubernetes's own (Always for :latest, else IfNotPresent) */
  image_pull_policy?: 'Always' | 'IfNotPresent' | 'Never' | undefined;
  /** `nodeSelector` of the pods. @default {} */
  node_selector: Record<string, string>;
  /** `tolerations` of the pods. @default [] */
  tolerations: Toleration[];
  /** `affinity` of the pods, as Kubernetes spells it. @default none */
  affinity?: Record<string, unknown> | undefined;
  /** `volumes` of the pods, as Kubernetes spells them (a name and one source each). @default [] */
  volumes: Volume[];
  /** `volumeMounts` of the container; each names one of `volumes`. @default [] */
  volume_mounts: VolumeMount[];
  /** Environment of the container; values are written into the Job (use `secrets` for secrets). @default {} */
  env: Record<string, string>;
  /** Environment taken from Secrets in the namespace, `VAR = "secret-name/key"`; only the reference is in the Job. @default {} */
  secrets: Record<string, string>;
  /** Extra labels on the Jobs and their pods. @default {} */
  labels: Record<string, string>;
  /** How the image starts Baton; `oneshot ...` is appended. @default ["baton"] */
  baton_command: string[];
  /** Folder inside the pods where code packages are extracted. @default "/tmp/baton-code" */
  code_cache: string;
  /** Seconds a finished Job (and its pods and logs) stays before Kubernetes deletes it. @default 3600 */
  ttl_seconds_after_finished: number;
  /** Most calls in one Job; calls of one task with the same options that arrive together share one. @default 1000 */
  max_array_size: number;
  /** Calls one pod runs one after another, sharing one Node start; calls with a time limit always get a pod each. @default 1 */
  calls_per_element: number;
  /** Pods of one Job running at once. @default all of its elements */
  parallelism?: number | undefined;
  /** Seconds between two lists of Jobs and pods when they cannot be watched (RBAC without `watch`). @default 2 */
  poll_interval: number;
}

const validateShape = optionsValidator(KUBERNETES_SHAPE);

/** Pods cannot see this machine's folders, so scratch must be object storage they can reach. */
function scratchIssue(scratch: unknown): string | undefined {
  if (typeof scratch === 'string' && scratch.startsWith('s3://')) return undefined;
  return scratch === undefined
    ? 'missing; expected s3://bucket/prefix, which both Baton and the pods can reach'
    : `expected s3://bucket/prefix, which both Baton and the pods can reach, got ${JSON.stringify(scratch)}`;
}

/** A mount must name a volume of the same pod. */
function mountIssue(volumes: readonly Volume[], mounts: readonly VolumeMount[]): string | undefined {
  const names = new Set(volumes.map((v) => v.name));
  const stray = mounts.find((mount) => !names.has(mount.name));
  if (!stray) return undefined;
  const known = names.size === 0 ? 'there are no volumes' : `the volumes are ${[...names].join(', ')}`;
  return `mount of '${stray.name}' at ${stray.mountPath} names no volume (${known}); add it to volumes`;
}

export const validateKubernetesOptions: ExecutorOptionsValidator = (options) => {
  const result = validateShape(options);
  const scratch = scratchIssue(options.scratch);
  const mounts = result.ok
    ? mountIssue((options.volumes ?? []) as Volume[], (options.volume_mounts ?? []) as VolumeMount[])
    : undefined;
  if (result.ok && !scratch && !mounts) return result;
  const issues = result.ok ? [] : [...result.issues];
  if (scratch && !issues.some((issue) => issue.key === 'scratch'))
    issues.push({ key: 'scratch', message: scratch });
  if (mounts) issues.push({ key: 'volume_mounts', message: mounts });
  return { ok: false, issues };
};

/** The options of one section, or a ConfigError naming the executor and the first bad key. */
export function resolveKubernetesOptions(name: string, section: Record<string, unknown>): KubernetesOptions {
  return resolveRemoteSection<KubernetesOptions>(name, section, KUBERNETES_SHAPE, validateKubernetesOptions);
}

/** The pod settings of one job: the section's, with the task's own on top. */
export interface PodSettings {
  image: string;
  serviceAccount: string | undefined;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  affinity: Record<string, unknown> | undefined;
  volumes: Volume[];
  volumeMounts: VolumeMount[];
  vcpus: number | undefined;
  memory: number | undefined;
  gpus: number | undefined;
  /** Seconds. */
  timeLimit: number | undefined;
  /** Pod failures that are not the task's own, retried by Kubernetes (backoffLimitPerIndex). */
  retries: number;
}

function taskValue<K extends keyof typeof TASK_SHAPE>(
  job: JobRequest,
  key: K,
): z.infer<(typeof TASK_SHAPE)[K]> | undefined {
  const given = job.options.extra[key];
  if (given === undefined) return undefined;
  const parsed = TASK_SHAPE[key].safeParse(given);
  if (parsed.success) return parsed.data as z.infer<(typeof TASK_SHAPE)[K]>;
  throw new ConfigError(
    `task ${job.task.name}: option '${key}' must be ${TASK_SHAPE[key].description}, got ${JSON.stringify(given)}`,
    { key },
  );
}

/** Merges a job's task options over the section; a ConfigError names a task option of the wrong type. */
export function podSettings(options: KubernetesOptions, job: JobRequest): PodSettings {
  const volumes = taskValue(job, 'volumes') ?? options.volumes;
  const volumeMounts = taskValue(job, 'volume_mounts') ?? options.volume_mounts;
  const stray = mountIssue(volumes, volumeMounts);
  if (stray)
    throw new ConfigError(`task ${job.task.name}: option 'volume_mounts': ${stray}`, {
      key: 'volume_mounts',
    });
  return {
    image: taskValue(job, 'image') ?? options.image,
    serviceAccount: taskValue(job, 'service_account') ?? options.service_account,
    nodeSelector: taskValue(job, 'node_selector') ?? options.node_selector,
    tolerations: taskValue(job, 'tolerations') ?? options.tolerations,
    affinity: taskValue(job, 'affinity') ?? options.affinity,
    volumes,
    volumeMounts,
    vcpus: job.options.vcpus,
    memory: job.options.memory,
    gpus: job.options.gpus,
    timeLimit: job.options.timeLimit,
    retries: job.options.retries.attempts,
  };
}
