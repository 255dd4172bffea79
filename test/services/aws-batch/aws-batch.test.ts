// The aws-batch executor end to end through the CLI, against the fake AWS Batch + CloudWatch Logs server
// (test/services/aws-batch/fake), whose containers run `baton oneshot` here, with s3rver for scratch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../cli/helpers.ts';
import { AWS_ENV, batchProject, startServices, type Services } from './harness.ts';

const WORKFLOW = `import { task } from 'baton';
import { appendFileSync } from 'node:fs';

const batch = { executor: 'batch' };

export const add = task('add', (a: number, b: number) => {
  console.log('adding', a, b);
  return a + b;
}, batch);

export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => add(i, 100)));

export const boom = task('boom', () => {
  console.log('about to fail');
  throw new RangeError('bad value');
}, batch);

export const flaky = task('flaky', (i: number) => {
  console.log('flaky', i, i === 2 ? 'failing' : 'fine');
  if (i === 2) throw new TypeError('two is not allowed');
  return i;
}, batch);

export const flakyFan = task('flakyFan', (n: number) => Array.from({ length: n }, (_, i) => flaky(i)));

export const slow = task('slow', async (i: number, seconds: number) => {
  appendFileSync('DATA_DIR/starts.log', i + '\\n');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return i * 2;
}, batch);

export const slowFan = task('slowFan', (n: number, seconds: number) =>
  Array.from({ length: n }, (_, i) => slow(i, seconds)));

export const sleepy = task('sleepy', async () => {
  console.log('going to sleep');
  await new Promise((resolve) => setTimeout(resolve, 300_000));
  return 'woke';
}, { ...batch, timeLimit: 3 });

export const drowsy = task('drowsy', async () => {
  console.log('nodding off');
  appendFileSync('DATA_DIR/starts.log', 'drowsy\\n');
  await new Promise((resolve) => setTimeout(resolve, 300_000));
  return 'woke';
}, { ...batch, timeLimit: 120 });

export const sturdy = task('sturdy', async (seconds: number) => {
  appendFileSync('DATA_DIR/starts.log', 'sturdy\\n');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return 'survived';
}, { ...batch, retries: 1 });
`;

let services: Services;
before(async () => {
  services = await startServices();
});
after(() => services.close());

/** The fake's jobs that Baton submitted (parents and single jobs), newest last. */
function submitted(): Array<{ jobName: string; status: string; size: number | undefined }> {
  return [...services.fake.batch.jobs.values()]
    .filter((job) => !job.parent)
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((job) => ({ jobName: job.jobName, status: job.status, size: job.children?.length }));
}

describe('aws-batch executor (fake AWS Batch, s3rver scratch)', () => {
  test('runs calls as one array job, returns their values, and serves a re-run from the cache', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const jobsBefore = submitted().length;
    const registered = services.fake.count('RegisterJobDefinition');
    const first = await p.baton(['run', 'wf.ts', 'fan', '--n', '3'], { env: AWS_ENV });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), [100, 101, 102]);
    const jobs = submitted().slice(jobsBefore);
    assert.equal(jobs.length, 1, 'one SubmitJob for the three calls');
    assert.equal(jobs[0]!.size, 3);
    assert.match(jobs[0]!.jobName, /^baton-array-/);
    assert.equal(jobs[0]!.status, 'SUCCEEDED');
    assert.ok(services.fake.count('RegisterJobDefinition') - registered <= 1);

    const second = await p.baton(['run', 'wf.ts', 'fan', '--n', '3'], { env: AWS_ENV });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /1 call: 0 ran, 1 cached/);
    assert.equal(submitted().length, jobsBefore + 1, 'nothing submitted for a cached run');
  });

  test('the job definition is registered once and found again by name while it is unchanged', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const r1 = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2'], { env: AWS_ENV });
    assert.equal(r1.code, 0, r1.stderr);
    const registered = services.fake.count('RegisterJobDefinition');
    const r2 = await p.baton(['run', 'wf.ts', 'add', '--a', '3', '--b', '4'], { env: AWS_ENV });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.stdout.trim(), '7');
    assert.equal(
      services.fake.count('RegisterJobDefinition'),
      registered,
      'an unchanged definition is reused',
    );
    const single = submitted().at(-1)!;
    assert.match(
      single.jobName,
      /^baton-[0-9a-f]{64}$/,
      'a lone call is a single job named after its eval hash',
    );
    assert.equal(single.size, undefined);
  });

  test('a task error comes back with its name, message, stack and the CloudWatch log tail', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'boom', '--verbose'], { env: AWS_ENV });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /task boom failed at boom\(\): RangeError: bad value/);
    assert.match(r.stderr, /--- last output ---\n[\s\S]*about to fail/);
    assert.match(r.stderr, /wf\.ts:\d+:\d+/);
    assert.ok(services.fake.count('GetLogEvents') >= 1, 'the tail came from GetLogEvents');
  });

  test('a failed child of an array job fails its call with its own log tail', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'flakyFan', '--n', '4'], { env: AWS_ENV });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /task flaky failed at .*flaky\(i=2\): TypeError: two is not allowed/);
    assert.match(r.stderr, /--- last output ---\n[\s\S]*flaky 2 failing/);
    assert.doesNotMatch(r.stderr, /flaky [013] fine/, "another child's output is not mixed in");
    const parent = [...services.fake.batch.jobs.values()].filter((job) => job.children).at(-1)!;
    assert.equal(parent.children!.length, 4);
  });

  test('a job over its time limit is terminated and fails with TimeoutError; Batch is told its 60 s minimum', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'sleepy'], { env: AWS_ENV });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TimeoutError: task sleepy exceeded its time limit of 3s/);
    assert.match(r.stderr, /below AWS Batch's minimum timeout of 60s/);
    const job = [...services.fake.batch.jobs.values()].at(-1)!;
    assert.equal(job.attemptDurationSeconds, 60, 'the submission asks Batch for its minimum');
    await waitFor(() => job.status === 'FAILED', 'the job to be terminated', 10_000);
    assert.equal(job.statusReason, 'Cancelled by Baton');
  });

  test('a job Batch stops at its attemptDurationSeconds fails with TimeoutError and its log tail', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const { done } = p.start(['run', 'wf.ts', 'drowsy'], { env: AWS_ENV });
    await waitFor(() => p.lines('data/starts.log').length === 1, 'the job to start', 60_000);
    const job = [...services.fake.batch.jobs.values()].at(-1)!;
    assert.equal(job.attemptDurationSeconds, 120);
    services.fake.batch.expire(job.jobId); // Batch's 120 s are up; Baton's own timer is far from it
    const r = await done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TimeoutError: task drowsy exceeded its time limit of 120s/);
    assert.match(r.stderr, /--- last output ---\n[\s\S]*nodding off/);
    assert.equal(job.statusReason, 'Job attempt duration exceeded timeout');
  });

  test('throttled requests are retried with backoff and the run succeeds', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    services.fake.throttle('SubmitJob', 2);
    services.fake.throttle('DescribeJobs', 2, 'TooManyRequestsException');
    const throttledBefore = [...services.fake.throttled.values()].reduce((a, b) => a + b, 0);
    const r = await p.baton(['run', 'wf.ts', 'fan', '--n', '2'], { env: AWS_ENV });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [100, 101]);
    const throttled = [...services.fake.throttled.values()].reduce((a, b) => a + b, 0) - throttledBefore;
    assert.equal(throttled, 4, 'every refusal was sent and answered');
    assert.match(r.stderr, /AWS is throttling requests, backing off/);
  });

  test("Ctrl-C terminates the run's array job with one TerminateJob: nothing is left running", async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const terminates = services.fake.count('TerminateJob');
    const { child, done } = p.start(['run', 'wf.ts', 'slowFan', '--n', '4', '--seconds', '120'], {
      env: AWS_ENV,
    });
    await waitFor(() => p.lines('data/starts.log').length >= 2, 'two running jobs', 60_000);
    child.kill('SIGINT');
    const r = await done;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cancel/i);
    const parent = [...services.fake.batch.jobs.values()].filter((job) => job.children).at(-1)!;
    await waitFor(() => parent.status === 'FAILED', 'the array to end', 15_000);
    assert.ok(
      parent.children!.every((c) => c.status === 'FAILED' && c.statusReason === 'Cancelled by Baton'),
    );
    assert.equal(services.fake.count('TerminateJob') - terminates, 1, 'the whole array in one request');
  });

  test('after the scheduler is killed, a restart reunites with its jobs: none is submitted twice', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const { child } = p.start(['run', 'wf.ts', 'slowFan', '--n', '3', '--seconds', '20'], { env: AWS_ENV });
    await waitFor(() => p.lines('data/starts.log').length === 3, 'three running jobs', 60_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const submissions = services.fake.batch.submissions;
    const again = await p.baton(['run', 'wf.ts', 'slowFan', '--n', '3', '--seconds', '20'], { env: AWS_ENV });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), [0, 2, 4]);
    assert.match(again.stderr, /reunited with the running job of task slow/);
    assert.equal(services.fake.batch.submissions, submissions, 'no SubmitJob after the restart');
    assert.deepEqual(p.lines('data/starts.log').sort(), ['0', '1', '2'], 'no call ran twice');
  });

  test('a lost host is retried by Batch itself, as the retry strategy says, within the same job', async (t) => {
    const p = batchProject(t, services, WORKFLOW);
    const { done } = p.start(['run', 'wf.ts', 'sturdy', '--seconds', '3'], { env: AWS_ENV });
    await waitFor(() => p.lines('data/starts.log').length === 1, 'the job to start', 60_000);
    const job = [...services.fake.batch.jobs.values()].at(-1)!;
    services.fake.batch.loseHost(job.jobId);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'survived');
    assert.equal(job.attempts.length, 2, 'Batch ran a second attempt');
    assert.equal(p.lines('data/starts.log').length, 2);
  });

  test('a submission Batch refuses fails at once with its message, and is not retried', async (t) => {
    const p = batchProject(t, services, WORKFLOW, ['queue = "no-such-queue"']);
    const submitsBefore = services.fake.count('SubmitJob');
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2'], { env: AWS_ENV });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SubmitJob refused the job: ClientException: JobQueue no-such-queue not found/);
    assert.equal(services.fake.count('SubmitJob') - submitsBefore, 1, 'refused once, not tried again');
  });

  test('a burst of 1,000 calls goes out as array jobs and comes back in at most 40 requests to Batch', async (t) => {
    // Packed 50 calls to a container: 1,000 Node starts would take this machine many minutes. The
    // polling pace is the executor's default, as users get it.
    const p = batchProject(t, services, WORKFLOW, ['calls_per_element = 50'], { polling: 'default' });
    const before = new Map(services.fake.requests);
    const jobsBefore = submitted().length;
    const r = await p.baton(['run', 'wf.ts', 'fan', '--n', '1000'], { env: AWS_ENV, timeoutMs: 240_000 });
    assert.equal(r.code, 0, r.stderr);
    const values = JSON.parse(r.stdout) as number[];
    assert.deepEqual(
      values,
      Array.from({ length: 1000 }, (_, i) => i + 100),
    );
    // Staging 1,000 inputs can outlast the batcher's 5 s wait on a loaded machine, splitting the burst.
    const jobs = submitted().slice(jobsBefore);
    assert.ok(jobs.length <= 3, `the burst went out in ${jobs.length} SubmitJob calls`);
    const children = jobs.reduce((sum, job) => sum + (job.size ?? 1), 0);
    assert.ok(children <= 22, `about 50 calls in each of ${children} children`);
    const sent = (operation: string) =>
      (services.fake.requests.get(operation) ?? 0) - (before.get(operation) ?? 0);
    const batchRequests = [
      'SubmitJob',
      'DescribeJobs',
      'ListJobs',
      'RegisterJobDefinition',
      'DescribeJobDefinitions',
    ]
      .map(sent)
      .reduce((a, b) => a + b, 0);
    t.diagnostic(
      `requests: SubmitJob ${sent('SubmitJob')}, DescribeJobs ${sent('DescribeJobs')}, all ${batchRequests}`,
    );
    assert.ok(batchRequests <= 40, `at most 40 requests to Batch for 1,000 calls, sent ${batchRequests}`);
  });

  test('credentials reach neither job definitions nor submissions', async (t) => {
    const p = batchProject(t, services, WORKFLOW, ['env = { GREETING = "hello" }']);
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '5', '--b', '6'], { env: AWS_ENV });
    assert.equal(r.code, 0, r.stderr);
    const sent = services.fake.bodies.join('\n');
    assert.match(sent, /GREETING/);
    assert.doesNotMatch(sent, /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|S3RVER/);
  });
});
