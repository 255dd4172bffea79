// The options of a `type = "container"` executor section.
import { z } from 'zod';
import { optionsValidator, type OptionShape } from '../../config/index.ts';
import { REMOTE_SHAPE, resolveRemoteSection, type RemoteOptions } from '../remote/options.ts';

const list = z.array(z.string().min(1));

export const CONTAINER_SHAPE = {
  ...REMOTE_SHAPE,
  engine: z.string().min(1).default('docker').describe('"docker", "podman" or the path of either'),
  engine_args: list.default([]).describe('a list of arguments put before "run", e.g. ["--runtime", "runc"]'),
  image: z.string().min(1).describe('an image name such as "ghcr.io/me/app:1"'),
  run_args: list.default([]).describe('a list of extra arguments for "run"'),
  volumes: z
    .array(z.string().regex(/^[^:]+:\/[^:]*(?::(?:ro|rw|z|Z|[a-z,]+))?$/))
    .default([])
    .describe('a list of "host:container[:ro]" with an absolute container path'),
  env: z.record(z.string(), z.string()).default({}).describe('a table of environment variables'),
  network: z.string().min(1).optional().describe('a network name such as "none" or "host"'),
  baton_command: list
    .min(1)
    .default(['baton'])
    .describe(
      'the command that runs Baton in the image, as a list, e.g. ["node", "/app/node_modules/baton/bin/baton.js"]',
    ),
  code_cache: z.string().min(1).optional().describe('a folder path'),
  debug: z.boolean().default(false).describe('true or false'),
} satisfies OptionShape;

export interface ContainerOptions extends RemoteOptions {
  /** The engine command. @default "docker" */
  engine: string;
  /** Arguments before `run` (global engine flags such as `--runtime runc`). @default [] */
  engine_args: string[];
  /** The image each job runs in; it must have Node and Baton. */
  image: string;
  /** Extra arguments for `run`, before the image. @default [] */
  run_args: string[];
  /** Bind mounts, `host:container[:ro]`; a relative host path resolves against the config root. @default [] */
  volumes: string[];
  /** Environment of the job. Values are handed to the engine through its environment, never its command line. @default {} */
  env: Record<string, string>;
  /** `--network` of each job. @default the engine's default */
  network?: string | undefined;
  /** How the image starts Baton; `oneshot ...` is appended. @default ["baton"] */
  baton_command: string[];
  /** Host folder where jobs extract code packages, mounted into each job so it happens once per host. @default ".baton/code-cache" */
  code_cache?: string | undefined;
  /** Run jobs one at a time, attached to this terminal (stdin included), to debug a task in its image. @default false */
  debug: boolean;
}

export const validateContainerOptions = optionsValidator(CONTAINER_SHAPE);

/** The options of one section, or a ConfigError naming the first bad key. */
export function resolveContainerOptions(name: string, section: Record<string, unknown>): ContainerOptions {
  return resolveRemoteSection<ContainerOptions>(name, section, CONTAINER_SHAPE, validateContainerOptions);
}
