// AWS Batch executor: the API requests a burst of 1,000 calls costs (submissions plus status reads),
// counted by the fake AWS Batch server of the test suite, whose containers run `baton oneshot` here,
// against the naive one SubmitJob and one DescribeJobs per call (2,000). The executor keeps its
// default polling pace (poll_interval 5 s, max_poll_interval 120 s).
//   node --conditions=baton-source bench/aws-batch.ts [calls] [calls_per_element] [containers at once]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Scheduler, type Expr } from '../src/index.ts';
import { AWS_ENV, batchConfig, startServices } from '../test/services/aws-batch/harness.ts';
import { report, timed } from './harness.ts';

const CALLS = Number(process.argv[2] ?? 1000);
const PER_ELEMENT = Number(process.argv[3] ?? 1);
const SLOTS = Number(process.argv[4] ?? 8);
/** The status reads and submissions the count covers; the job definition is looked up once per run. */
const COUNTED = ['SubmitJob', 'DescribeJobs', 'ListJobs', 'RegisterJobDefinition', 'DescribeJobDefinitions'];

Object.assign(process.env, AWS_ENV);
const services = await startServices({ slots: SLOTS });
const dir = mkdtempSync(join(import.meta.dirname, '.tmp-aws-batch-'));
try {
  writeFileSync(
    join(dir, 'baton.toml'),
    batchConfig(services, [`calls_per_element = ${PER_ELEMENT}`], { polling: 'default' }),
  );
  writeFileSync(
    join(dir, 'wf.ts'),
    `import { task } from 'baton';
export const short = task('short', (i: number) => i + 1, { executor: 'batch' });
export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => short(i)));
`,
  );
  const { fan } = (await import(pathToFileURL(join(dir, 'wf.ts')).href)) as {
    fan: (n: number) => Expr<number[]>;
  };
  const scheduler = new Scheduler({ config: join(dir, 'baton.toml'), cwd: dir });
  let ms: number;
  try {
    const run = await timed(() => scheduler.run(fan(CALLS), { cache: 'none' }));
    ms = run.ms;
    if (run.value.length !== CALLS || run.value.some((v, i) => v !== i + 1)) throw new Error('wrong results');
  } finally {
    await scheduler.close();
  }
  const requests = Object.fromEntries(COUNTED.map((op) => [op, services.fake.requests.get(op) ?? 0]));
  const total = Object.values(requests).reduce((a, b) => a + b, 0);
  const children = [...services.fake.batch.jobs.values()].filter((job) => !job.children).length;
  const naive = 2 * CALLS;
  report({
    name: `aws-batch: API requests for ${CALLS} calls`,
    detail:
      `${total} requests (${Object.entries(requests)
        .map(([op, n]) => `${op} ${n}`)
        .join(', ')}) for ${CALLS} calls in ${children} Batch job(s), ` +
      `${PER_ELEMENT} call(s) per job, ${SLOTS} containers at once, ${(ms / 1000).toFixed(1)} s; ` +
      `naive: ${naive} (one SubmitJob and one DescribeJobs per call)`,
    value: naive / total,
    unit: 'x fewer than naive',
    target: { min: 50 },
  });
} finally {
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
