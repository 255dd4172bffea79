// Kubernetes executor: the API requests (submits plus status reads) that 1,000 calls cost, counted by
// the fake API server of the test suite, against the naive 2,000 of one submit and one status read per
// call. Every pod runs as a local process executing `baton oneshot --list`, with scratch on s3rver.
//   node --conditions=baton-source bench/kubernetes.ts [calls] [calls_per_element]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Scheduler, type Expr } from '../src/index.ts';
import { BATON_COMMAND, BATON_REPO } from '../test/services/slurm/cluster.ts';
import { FakeKubernetes } from '../test/services/kubernetes/fake/server.ts';
import { BUCKET, NAMESPACE, startS3 } from '../test/services/kubernetes/setup.ts';
import { report, timed } from './harness.ts';

const CALLS = Number(process.argv[2] ?? 1000);
const PER_ELEMENT = Number(process.argv[3] ?? 50);
const NAIVE = 2 * CALLS;

const s3 = await startS3();
const fake = await new FakeKubernetes({ capacity: 4, namespaces: [NAMESPACE] }).start();
fake.addSecret(NAMESPACE, 's3-creds', { 'access-key': 'S3RVER', 'secret-key': 'S3RVER' });

// A project inside the repository, so that `import 'baton'` resolves here, as in the pods.
const dir = mkdtempSync(join(BATON_REPO, 'bench', '.tmp-k8s-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const list = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
writeFileSync(
  join(dir, 'baton.toml'),
  [
    '[executors.k8s]',
    'type = "kubernetes"',
    'image = "registry.example/baton-app:1"',
    `scratch = "s3://${BUCKET}/bench"`,
    `s3_endpoint = "${s3.endpoint}"`,
    's3_path_style = true',
    `baton_command = ${list(BATON_COMMAND)}`,
    `code_cache = ${JSON.stringify(join(dir, '.baton', 'code-cache'))}`,
    `calls_per_element = ${PER_ELEMENT}`,
    'secrets = { AWS_ACCESS_KEY_ID = "s3-creds/access-key", AWS_SECRET_ACCESS_KEY = "s3-creds/secret-key" }',
    'env = { AWS_REGION = "us-east-1", NODE_COMPILE_CACHE = "/tmp/baton-k8s-compile-cache" }',
    '',
  ].join('\n'),
);
writeFileSync(
  join(dir, 'wf.ts'),
  `import { task } from 'baton';
export const short = task('short', (i: number) => i + 1, { executor: 'k8s' });
export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => short(i)));
`,
);
Object.assign(process.env, {
  KUBECONFIG: fake.writeKubeconfig(join(dir, 'kubeconfig'), NAMESPACE),
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
});

const { fan } = (await import(pathToFileURL(join(dir, 'wf.ts')).href)) as {
  fan: (n: number) => Expr<number[]>;
};
const scheduler = new Scheduler({ config: join(dir, 'baton.toml'), cwd: dir });
try {
  const { ms, value } = await timed(() => scheduler.run(fan(CALLS), { cache: 'none' }));
  if (value.length !== CALLS || value.some((v, i) => v !== i + 1)) throw new Error('wrong results');
  const counts = [...fake.requests].map(([request, count]) => `${count} ${request}`).join(', ');
  const pods = fake.created.reduce((sum, job) => sum + job.completions, 0);
  report({
    name: `kubernetes: API requests for ${CALLS} calls (submits plus status reads)`,
    detail:
      `${fake.total} requests (${counts}); naive one submit and one status read per call: ${NAIVE}, ` +
      `${(NAIVE / fake.total).toFixed(0)}x fewer; ${fake.created.length} Job(s), ${pods} pods of ` +
      `up to ${PER_ELEMENT} calls; run took ${(ms / 1000).toFixed(1)} s`,
    value: NAIVE / fake.total,
    unit: 'x fewer than naive',
    target: { min: 50 },
  });
} finally {
  await scheduler.close();
  await fake.close();
  await s3.close();
}
