// The `slurm` executor type: calls become sbatch jobs (array jobs for bursts) running `baton oneshot`.
import type { ExecutorRegistration } from '../types.ts';
import { SlurmExecutor } from './executor.ts';
import { resolveSlurmOptions, validateSlurmOptions } from './options.ts';

export const registration: ExecutorRegistration = {
  type: 'slurm',
  create: (name, config) => new SlurmExecutor(name, resolveSlurmOptions(name, config)),
  validate: validateSlurmOptions,
};

export { SlurmExecutor } from './executor.ts';
export { resolveSlurmOptions, validateSlurmOptions, type SlurmOptions } from './options.ts';
export { jobScript, resourceArgs, singleJobName, arrayJobName } from './sbatch.ts';
export { explainEnd, parseQueue, type QueueEntry } from './states.ts';
export type { SbatchResult, SlurmClient } from './commands.ts';
export type { SlurmHandle, SlurmRecord } from './engine.ts';
