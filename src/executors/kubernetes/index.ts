// The `kubernetes` executor type: bursts of calls become Indexed Jobs running `baton oneshot --list`.
import type { ExecutorRegistration } from '../types.ts';
import { KubernetesExecutor } from './executor.ts';
import { resolveKubernetesOptions, validateKubernetesOptions } from './options.ts';

export const registration: ExecutorRegistration = {
  type: 'kubernetes',
  create: (name, config) => new KubernetesExecutor(name, resolveKubernetesOptions(name, config)),
  validate: validateKubernetesOptions,
};

export { KubernetesExecutor } from './executor.ts';
export {
  resolveKubernetesOptions,
  validateKubernetesOptions,
  podSettings,
  type KubernetesOptions,
} from './options.ts';
export {
  jobManifest,
  jobName,
  executorSelector,
  labelValue,
  cpuQuantity,
  memoryQuantity,
} from './manifest.ts';
export { explainEnd, hasIndex, jobEnd, elementEnded } from './states.ts';
export { loadKubeconfig } from './kubeconfig.ts';
export type { KubernetesHandle } from './engine.ts';
