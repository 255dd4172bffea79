// The `local` executor type: a pool of worker threads or child processes on this machine.
import type { ExecutorRegistration } from '../types.ts';
import { LocalExecutor } from './executor.ts';
import { resolveLocalOptions, validateLocalOptions } from './options.ts';

export const registration: ExecutorRegistration = {
  type: 'local',
  create: (name, config) => new LocalExecutor(name, resolveLocalOptions(name, config)),
  validate: validateLocalOptions,
};

export { LocalExecutor, type LocalExecutorInternals } from './executor.ts';
export { DEFAULT_SPIN_US, resolveLocalOptions, validateLocalOptions, type LocalOptions } from './options.ts';
export { workerExecArgv } from './process-runtime.ts';
export type { LocalMode, SpawnOptions, WorkerExit, WorkerHandle, WorkerRuntime } from './runtime.ts';
