// What the kubernetes executor's end-to-end tests share: an S3 server (s3rver) for scratch, a fresh
// fake API server per test with the Secret that holds the S3 credentials, and a project whose
// baton.toml points a `k8s` executor at both, its pods running Baton from this checkout's sources.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { project, type Project } from '../../cli/helpers.ts';
import { startS3 as startSharedS3, type S3Server } from '../../support/s3.ts';
import { BATON_COMMAND } from '../slurm/cluster.ts';
import { FakeKubernetes } from './fake/server.ts';

export const BUCKET = 'baton-k8s';
export const NAMESPACE = 'batch';
export type { S3Server };
const S3_KEYS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

/** s3rver with the bucket the suite's scratch lives in. */
export function startS3(): Promise<S3Server> {
  return startSharedS3(BUCKET);
}

function toml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toml).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)} = ${toml(item)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
}

export const WORKFLOW = `import { task } from 'baton';
import { appendFileSync } from 'node:fs';

const k8s = { executor: 'k8s' };

export const add = task('add', (a: number, b: number) => {
  console.log('adding', a, b);
  return a + b;
}, k8s);

export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => add(i, 100)));

export const boom = task('boom', () => {
  console.log('about to fail');
  throw new RangeError('bad value');
}, k8s);

export const slow = task('slow', async (i: number, seconds: number) => {
  appendFileSync(STARTS, i + '\\n');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return i * 2;
}, k8s);

export const slowFan = task('slowFan', (n: number, seconds: number) =>
  Array.from({ length: n }, (_, i) => slow(i, seconds)));

export const sleepy = task('sleepy', async () => {
  await new Promise((resolve) => setTimeout(resolve, 300_000));
  return 'woke';
}, { ...k8s, timeLimit: 2 });

export const whoami = task('whoami', () => process.env.BATON_TEST_TOKEN ?? 'no token', k8s);

export const render = task('render', () => 'rendered', { ...k8s, gpus: 1 });

// Takes 16 MB more every 10 ms, up to 2 GB: far past its 0.5 GiB limit unless it is stopped there.
export const hog = task('hog', async () => {
  console.log('taking memory');
  const held = [];
  for (let i = 0; i < 128; i++) {
    held.push(Buffer.alloc(16 * 1024 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return held.length;
}, { ...k8s, memory: 0.5 });
`;

export interface Cluster {
  fake: FakeKubernetes;
  p: Project;
  /** Runs `baton ARGS` in the project with the kubeconfig and S3 credentials in its environment. */
  baton(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): ReturnType<Project['baton']>;
  start(args: string[]): ReturnType<Project['start']>;
}

/**
 * A fresh fake cluster (`capacity` pods at once) and a project whose `k8s` executor uses it with
 * scratch under its own prefix; `extra` lines go into the executor's section.
 */
export async function cluster(
  t: TestContext,
  s3: S3Server,
  options: { extra?: Record<string, unknown>; capacity?: number } = {},
): Promise<Cluster> {
  const fake = await new FakeKubernetes({ capacity: options.capacity ?? 4, namespaces: [NAMESPACE] }).start();
  t.after(() => fake.close());
  fake.addSecret(NAMESPACE, 's3-creds', { 'access-key': 'S3RVER', 'secret-key': 'S3RVER' });
  const p = project(t, { config: false });
  const { secrets, ...extra } = options.extra ?? {};
  const section: Record<string, unknown> = {
    type: 'kubernetes',
    image: 'registry.example/baton-app:1',
    scratch: `s3://${BUCKET}/${p.dir.split('/').at(-1)}`,
    s3_endpoint: s3.endpoint,
    s3_path_style: true,
    baton_command: BATON_COMMAND,
    code_cache: join(p.dir, '.baton', 'code-cache'),
    secrets: {
      AWS_ACCESS_KEY_ID: 's3-creds/access-key',
      AWS_SECRET_ACCESS_KEY: 's3-creds/secret-key',
      ...(secrets as Record<string, string> | undefined),
    },
    env: { AWS_REGION: 'us-east-1', NODE_COMPILE_CACHE: join(tmpdir(), 'baton-k8s-compile-cache') },
    ...extra,
  };
  const lines = Object.entries(section).map(([key, value]) => `${key} = ${toml(value)}`);
  p.write(
    'baton.toml',
    ['[executors.default]', 'type = "local"', 'max_workers = 2', '', '[executors.k8s]', ...lines, ''].join(
      '\n',
    ),
  );
  p.write('wf.ts', WORKFLOW.replace('STARTS', JSON.stringify(join(p.dir, 'data', 'starts.log'))));
  p.write('data/.keep', '');
  const kubeconfig = fake.writeKubeconfig(join(p.dir, 'kubeconfig'), NAMESPACE);
  const env = { ...S3_KEYS, KUBECONFIG: kubeconfig };
  return {
    fake,
    p,
    baton: (args, opts = {}) => p.baton(args, { ...opts, env: { ...env, ...opts.env } }),
    start: (args) => p.start(args, { env }),
  };
}
