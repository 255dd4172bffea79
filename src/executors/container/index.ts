// The `container` executor type: each job a `docker run` or `podman run` of `baton oneshot`.
import type { ExecutorRegistration } from '../types.ts';
import { ContainerExecutor } from './executor.ts';
import { resolveContainerOptions, validateContainerOptions } from './options.ts';

export const registration: ExecutorRegistration = {
  type: 'container',
  create: (name, config) => new ContainerExecutor(name, resolveContainerOptions(name, config)),
  validate: validateContainerOptions,
};

export { ContainerExecutor } from './executor.ts';
export { containerName } from './engine.ts';
export { resolveContainerOptions, validateContainerOptions, type ContainerOptions } from './options.ts';
