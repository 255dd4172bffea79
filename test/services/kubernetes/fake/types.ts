// The JSON shapes the fake API server keeps and sends: the fields of batch/v1 Job and v1 Pod that it
// reads or writes, as they travel on the wire (times are RFC 3339 strings).

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name?: string; mountPath?: string; readOnly?: boolean; subPath?: string }>;
}

export interface PodSpec {
  containers: Container[];
  restartPolicy?: string;
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  affinity?: unknown;
  volumes?: Array<{ name?: string } & Record<string, unknown>>;
  hostname?: string;
  subdomain?: string;
  terminationGracePeriodSeconds?: number;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: Array<{ type: string; status?: string }>;
}

export interface JobSpec {
  template: PodTemplate;
  completions?: number;
  parallelism?: number;
  completionMode?: 'NonIndexed' | 'Indexed';
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
  suspend?: boolean;
  selector?: { matchLabels: Record<string, string> };
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  conditions?: Condition[];
  uncountedTerminatedPods?: Record<string, never>;
}

export interface JobObject {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: JobSpec;
  status: JobStatus;
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; signal?: number; reason: string; startedAt?: string; finishedAt: string };
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  conditions?: Condition[];
  startTime?: string;
  hostIP?: string;
  podIP?: string;
  containerStatuses?: Array<{
    name: string;
    image: string;
    imageID: string;
    ready: boolean;
    started: boolean;
    restartCount: number;
    state: ContainerState;
  }>;
}

export interface PodObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status: PodStatus;
}

export type KubeObject = JobObject | PodObject;

/** The resources the fake serves, by their plural names in URLs. */
export type Resource = 'jobs' | 'pods';

export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
