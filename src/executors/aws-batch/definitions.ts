// The job definition Baton registers for an image: named after a hash of its contents, so an unchanged
// definition is found again (DescribeJobDefinitions) and reused across runs and schedulers, and a
// changed one (another image, role or env) gets a new name instead of a new revision of an old one.
import type { KeyValuePair, RegisterJobDefinitionRequest } from '@aws-sdk/client-batch';
import { hashValue } from '../../hash/index.ts';
import type { BatchApi } from './api.ts';
import type { AwsBatchOptions } from './options.ts';

/** The log group Batch writes to unless a definition says otherwise. */
export const DEFAULT_LOG_GROUP = '/aws/batch/job';
/** What a job gets unless its task asks for more: Batch requires both in a definition. */
export const DEFAULT_VCPUS = 1;
export const DEFAULT_MEMORY_MIB = 2048;

/** Environment every job needs to open an s3:// scratch on an S3-compatible server. */
export function scratchEnv(options: AwsBatchOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.s3_endpoint) env.BATON_S3_ENDPOINT = options.s3_endpoint;
  if (options.s3_path_style) env.BATON_S3_PATH_STYLE = '1';
  return env;
}

/** `baton oneshot` for an array element: its line of the list `listKey` (one line for a single job). */
export function oneshotCommand(options: AwsBatchOptions, scratch: string, listKey: string): string[] {
  return [
    ...options.baton_command,
    'oneshot',
    '--scratch',
    scratch,
    '--list',
    listKey,
    '--code-cache',
    options.code_cache,
  ];
}

function pairs(table: Record<string, string>): KeyValuePair[] {
  return Object.keys(table)
    .sort()
    .map((name) => ({ name, value: table[name]! }));
}

/** The RegisterJobDefinition request for jobs of `image`; the list key is a parameter of each submission. */
export function definitionRequest(
  options: AwsBatchOptions,
  image: string,
  scratch: string,
): RegisterJobDefinitionRequest {
  const fargate = options.platform === 'FARGATE';
  const spec: Omit<RegisterJobDefinitionRequest, 'jobDefinitionName'> = {
    type: 'container',
    parameters: { scratch },
    platformCapabilities: [options.platform],
    containerProperties: {
      image,
      command: oneshotCommand(options, 'Ref::scratch', 'Ref::list'),
      jobRoleArn: options.role,
      executionRoleArn: options.execution_role,
      environment: pairs({ ...options.env, ...scratchEnv(options) }),
      secrets: Object.keys(options.secrets)
        .sort()
        .map((name) => ({ name, valueFrom: options.secrets[name]! })),
      resourceRequirements: [
        { type: 'VCPU', value: String(DEFAULT_VCPUS) },
        { type: 'MEMORY', value: String(DEFAULT_MEMORY_MIB) },
      ],
      logConfiguration:
        options.log_group === DEFAULT_LOG_GROUP
          ? undefined
          : { logDriver: 'awslogs', options: { 'awslogs-group': options.log_group } },
      ...(fargate ? { fargatePlatformConfiguration: { platformVersion: 'LATEST' } } : {}),
    },
    tags: Object.keys(options.tags).length > 0 ? options.tags : undefined,
    propagateTags: true,
  };
  return { jobDefinitionName: `${options.job_name_prefix}-${hashValue(spec).slice(0, 16)}`, ...spec };
}

/** Finds or registers the job definitions of one executor, once per image. */
export class JobDefinitions {
  private readonly api: BatchApi;
  private readonly options: AwsBatchOptions;
  private readonly scratch: () => string;
  private readonly known = new Map<string, Promise<string>>();

  constructor(api: BatchApi, options: AwsBatchOptions, scratch: () => string) {
    this.api = api;
    this.options = options;
    this.scratch = scratch;
  }

  /** The ARN (or name:revision) of the definition for `image`: an active one of the same contents, else a new one. */
  forImage(image: string): Promise<string> {
    let found = this.known.get(image);
    if (!found) {
      found = this.ensure(definitionRequest(this.options, image, this.scratch()));
      // A failure (throttled to the end, refused) is not remembered: the next job tries again.
      found.catch(() => this.known.delete(image));
      this.known.set(image, found);
    }
    return found;
  }

  private async ensure(request: RegisterJobDefinitionRequest): Promise<string> {
    const name = request.jobDefinitionName!;
    const active = await this.api.describeJobDefinitions(name);
    const newest = active.sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
    if (newest) return newest.jobDefinitionArn ?? `${name}:${newest.revision}`;
    return this.api.registerJobDefinition(request);
  }
}
