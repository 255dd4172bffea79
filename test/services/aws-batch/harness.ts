// What the AWS Batch suites share: an S3 server (s3rver) for scratch, the fake AWS Batch + CloudWatch
// Logs server whose containers run `baton oneshot` from this checkout, and projects whose baton.toml
// points an `aws-batch` executor at both, with static test credentials in the environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { project, type Project } from '../../cli/helpers.ts';
import { S3RVER_CREDENTIALS, startS3 } from '../../support/s3.ts';
import { BATON_COMMAND } from '../slurm/cluster.ts';
import { FakeAws } from './fake/server.ts';

/** s3rver takes only its own key pair; the fake Batch is told to accept the same. */
export const ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
const SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
/** The bucket scratch lives in. */
const BUCKET = 'baton-aws-batch';
export const QUEUE = 'baton-test';

/** Credentials for the scheduler process, and nothing the machine's own AWS setup could add. */
export const AWS_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
  AWS_EC2_METADATA_DISABLED: 'true',
};

export interface Services {
  s3Endpoint: string;
  fake: FakeAws;
  /** Where the containers extract code packages. */
  codeCache: string;
  close(): Promise<void>;
}

/** Starts s3rver and a fake AWS whose containers get the scratch credentials, as a job role would give them. */
export async function startServices(options: { slots?: number } = {}): Promise<Services> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-aws-batch-'));
  const s3 = await startS3(BUCKET);
  const codeCache = join(dir, 'code-cache');
  const fake = new FakeAws({
    accessKeyId: ACCESS_KEY_ID,
    cwd: dir,
    slots: options.slots ?? 4,
    hostEnv: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      AWS_REGION: 'us-east-1',
      NODE_COMPILE_CACHE: join(tmpdir(), 'baton-aws-batch-compile-cache'),
    },
  });
  await fake.start();
  return {
    s3Endpoint: s3.endpoint,
    fake,
    codeCache,
    async close() {
      await fake.close();
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let scratchCount = 0;

const toml = (value: unknown) => JSON.stringify(value);

/**
 * baton.toml with a local default executor and a `batch` executor on the fake, plus `extra` lines
 * (`key = value`; a key given there replaces the one here).
 */
export function batchConfig(
  services: Services,
  extra: string[] = [],
  options: { polling?: 'quick' | 'default' } = {},
): string {
  const keys = new Set(extra.map((line) => line.split('=')[0]!.trim()));
  const section: Record<string, string> = {
    queue: toml(QUEUE),
    image: toml('123456789012.dkr.ecr.us-east-1.amazonaws.com/baton-test:1'),
    region: toml('us-east-1'),
    endpoint: toml(services.fake.endpoint),
    logs_endpoint: toml(services.fake.endpoint),
    scratch: toml(`s3://${BUCKET}/run-${process.pid}-${scratchCount++}`),
    s3_endpoint: toml(services.s3Endpoint),
    s3_path_style: 'true',
    baton_command: `[${BATON_COMMAND.map(toml).join(', ')}]`,
    code_cache: toml(services.codeCache),
  };
  if (options.polling !== 'default') {
    // Quick rounds: the tests' jobs take a second, not minutes.
    section.poll_interval = '0.1';
    section.max_poll_interval = '2';
  }
  return [
    '[executors.default]',
    'type = "local"',
    'max_workers = 2',
    '',
    '[executors.batch]',
    'type = "aws-batch"',
    ...Object.entries(section)
      .filter(([key]) => !keys.has(key))
      .map(([key, value]) => `${key} = ${value}`),
    ...extra,
    '',
  ].join('\n');
}

/** A project folder whose baton.toml is `batchConfig` and whose `wf.ts` is `workflow`. */
export function batchProject(
  t: TestContext,
  services: Services,
  workflow: string,
  extra: string[] = [],
  options: Parameters<typeof batchConfig>[2] = {},
): Project {
  const p = project(t, { config: batchConfig(services, extra, options) });
  p.write('wf.ts', workflow.replaceAll('DATA_DIR', join(p.dir, 'data')));
  p.write('data/.keep', '');
  return p;
}
