// The `aws-batch` executor type: calls become AWS Batch jobs (array jobs for bursts) running `baton oneshot`.
import type { ExecutorRegistration } from '../types.ts';
import { AwsBatchExecutor } from './executor.ts';
import { resolveAwsBatchOptions, validateAwsBatchOptions } from './options.ts';

export const registration: ExecutorRegistration = {
  type: 'aws-batch',
  create: (name, config) => new AwsBatchExecutor(name, resolveAwsBatchOptions(name, config)),
  validate: validateAwsBatchOptions,
};

export { AwsBatchExecutor } from './executor.ts';
export {
  resolveAwsBatchOptions,
  validateAwsBatchOptions,
  jobSettings,
  type AwsBatchOptions,
} from './options.ts';
export { definitionRequest } from './definitions.ts';
export {
  submitRequest,
  retryStrategy,
  attemptSeconds,
  resourceRequirements,
  MIN_ATTEMPT_SECONDS,
} from './submission.ts';
export { explainEnd } from './states.ts';
export { classifyAwsError, isThrottling, isTransient } from './retry.ts';
export { credentialSources } from './credentials.ts';
export type { BatchHandle } from './engine.ts';
export type { BatchRecord } from './records.ts';
