// The kubernetes executor end to end: the baton CLI with the official client against the fake API
// server, every pod a local process running `baton oneshot --list`, scratch on s3rver.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../cli/helpers.ts';
import { cluster, startS3, type S3Server } from './setup.ts';

let s3: S3Server;
before(async () => (s3 = await startS3()));
after(() => s3.close());

describe('kubernetes executor (fake API server, pods as local processes)', () => {
  test('runs calls as one Indexed Job, returns their values, and serves a re-run from the cache', async (t) => {
    const { fake, baton } = await cluster(t, s3);
    const first = await baton(['run', 'wf.ts', 'fan', '--n', '3']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), [100, 101, 102]);
    assert.deepEqual(
      fake.created.map((job) => job.completions),
      [3],
      'one Job of three elements',
    );
    const [job] = fake.store.allJobs();
    assert.equal(job?.metadata.labels?.['baton.dev/executor'], 'k8s');
    assert.equal(job?.spec.completionMode, 'Indexed');
    assert.ok(job?.status.conditions?.some((c) => c.type === 'Complete'));
    const second = await baton(['run', 'wf.ts', 'fan', '--n', '3']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /1 call: 0 ran, 1 cached/);
    assert.equal(fake.created.length, 1, 'nothing submitted the second time');
  });

  test('a task error comes back with its name, message, stack and the pod log tail', async (t) => {
    const { fake, baton } = await cluster(t, s3);
    const r = await baton(['run', 'wf.ts', 'boom', '--verbose']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /task boom failed at boom\(\): RangeError: bad value/);
    assert.match(r.stderr, /--- last output ---\n\s*about to fail/);
    assert.match(r.stderr, /wf\.ts:\d+:\d+/);
    assert.equal(fake.node.started, 1, 'Kubernetes did not retry the task error (FailIndex)');
    assert.equal(fake.count('log pods'), 1);
  });

  test('a call past its memory limit is killed (OOMKilled) and fails with OutOfMemoryError and its log', async (t) => {
    const { fake, baton } = await cluster(t, s3);
    const r = await baton(['run', 'wf.ts', 'hog']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /OutOfMemoryError: the Kubernetes cluster killed the job for using more than its memory limit of 0\.5 GiB/,
    );
    assert.match(r.stderr, /taking memory/, 'the pod log tail comes with it');
    const [created] = fake.created;
    assert.equal(created?.job.spec.template.spec?.containers[0]?.resources?.limits?.memory, '512Mi');
    const pod = fake.store.allPods()[0];
    assert.equal(pod?.status.containerStatuses?.[0]?.state.terminated?.reason, 'OOMKilled');
    assert.equal(pod?.status.containerStatuses?.[0]?.state.terminated?.exitCode, 137);
    assert.equal(fake.node.started, 1, 'a memory kill is not retried');
  });

  test('a call over its time limit is stopped and fails with TimeoutError; its pod is gone', async (t) => {
    const { fake, baton } = await cluster(t, s3);
    const r = await baton(['run', 'wf.ts', 'sleepy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TimeoutError: task sleepy exceeded its time limit of 2s/);
    assert.equal(
      fake.created[0]?.job.spec.activeDeadlineSeconds,
      62,
      'the Job carries a deadline as a backstop',
    );
    await waitFor(() => fake.node.runningCount === 0, 'the pod to stop', 15_000);
    assert.equal(fake.jobs.orphaned, 0);
  });

  test('throttled API calls (429 with Retry-After) are retried: the Job is made once', async (t) => {
    const { fake, baton } = await cluster(t, s3);
    fake.throttle('list jobs', 1, 1);
    fake.throttle('create jobs', 2, 1);
    const started = Date.now();
    const r = await baton(['run', 'wf.ts', 'fan', '--n', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [100, 101]);
    assert.equal(fake.throttled, 3);
    assert.equal(fake.count('create jobs'), 3, 'two refusals, then the create');
    assert.equal(fake.created.length, 1, 'one Job');
    assert.ok(Date.now() - started >= 3000, 'each retry waited at least Retry-After');
  });

  test('Ctrl-C deletes the Job with propagationPolicy Background: no pod is left running', async (t) => {
    const { fake, p, start } = await cluster(t, s3);
    const { child, done } = start(['run', 'wf.ts', 'slowFan', '--n', '4', '--seconds', '120']);
    await waitFor(() => p.lines('data/starts.log').length >= 2, 'two running pods', 60_000);
    child.kill('SIGINT');
    const r = await done;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cancel/i);
    await waitFor(
      () => fake.store.allJobs().length === 0 && fake.store.allPods().length === 0,
      'the Job and its pods to go',
      15_000,
    );
    assert.deepEqual(
      fake.deletions.map((deletion) => deletion.propagationPolicy),
      ['Background'],
    );
    assert.equal(fake.node.runningCount, 0);
    assert.equal(fake.jobs.orphaned, 0);
  });

  test('after the scheduler is killed, a restart reunites with its running pods: none runs twice', async (t) => {
    const { fake, p, start, baton } = await cluster(t, s3);
    const { child } = start(['run', 'wf.ts', 'slowFan', '--n', '3', '--seconds', '8']);
    await waitFor(() => p.lines('data/starts.log').length === 3, 'three running pods', 60_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    assert.equal(fake.node.runningCount, 3, 'the pods outlive the scheduler');
    const again = await baton(['run', 'wf.ts', 'slowFan', '--n', '3', '--seconds', '8']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), [0, 2, 4]);
    assert.match(again.stderr, /reunited with the running job of task slow/);
    assert.deepEqual(p.lines('data/starts.log').sort(), ['0', '1', '2'], 'no call ran twice');
    assert.equal(fake.created.length, 1, 'no Job was submitted twice');
  });

  test('a pod no node has room for is reported and waited for, until the run is cancelled', async (t) => {
    const { fake, start } = await cluster(t, s3);
    const { child, done } = start(['run', 'wf.ts', 'render']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const warning =
      /pods of Job baton-render-\S+ wait for a node with room for them: .*Insufficient nvidia\.com\/gpu/;
    await waitFor(() => warning.test(stderr), 'the warning', 60_000);
    assert.equal(fake.store.allJobs().length, 1, 'the Job stays: an autoscaler may add a node');
    child.kill('SIGINT');
    assert.notEqual((await done).code, 0);
    await waitFor(() => fake.store.allJobs().length === 0, 'the Job to be deleted', 15_000);
  });

  test('a Secret the pods need that does not exist fails the call at once, with the kubelet reason', async (t) => {
    const { fake, baton } = await cluster(t, s3, { extra: { secrets: { BATON_TEST_TOKEN: 'nope/token' } } });
    const r = await baton(['run', 'wf.ts', 'whoami']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CreateContainerConfigError: secret "nope" not found/);
    assert.doesNotMatch(r.stderr, /retrying/);
    await waitFor(() => fake.store.allJobs().length === 0, 'the Job to be deleted', 10_000);
  });

  test('secrets reach the pods by reference: the value is in neither the Job nor `baton executors`', async (t) => {
    const { fake, baton } = await cluster(t, s3, {
      extra: { secrets: { BATON_TEST_TOKEN: 'tokens/value' } },
    });
    fake.addSecret('batch', 'tokens', { value: 'tok-3141592' });
    const r = await baton(['run', 'wf.ts', 'whoami']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'tok-3141592', 'the task read it');
    assert.doesNotMatch(JSON.stringify(fake.store.allJobs()), /tok-3141592/);
    const described = await baton(['executors']);
    assert.doesNotMatch(described.stdout + described.stderr, /tok-3141592|S3RVER|fake-token/);
  });

  test('volumes and their mounts reach the Job as Kubernetes spells them, through the client', async (t) => {
    const { fake, baton } = await cluster(t, s3, {
      extra: {
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: 'datasets', readOnly: true } },
          { name: 'shm', emptyDir: { medium: 'Memory' } },
        ],
        volume_mounts: [
          { name: 'data', mountPath: '/data', readOnly: true },
          { name: 'shm', mountPath: '/dev/shm' },
        ],
      },
    });
    const r = await baton(['run', 'wf.ts', 'fan', '--n', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [100, 101]);
    const pod = fake.created[0]!.job.spec.template.spec;
    assert.deepEqual(pod.volumes, [
      { name: 'data', persistentVolumeClaim: { claimName: 'datasets', readOnly: true } },
      { name: 'shm', emptyDir: { medium: 'Memory' } },
    ]);
    assert.deepEqual(pod.containers[0]!.volumeMounts, [
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'shm', mountPath: '/dev/shm' },
    ]);
  });

  test('without the watch verb it reads Job and pod states by listing, and says so', async (t) => {
    const { fake, baton } = await cluster(t, s3, { extra: { poll_interval: 0.2 } });
    fake.forbidden.add('watch jobs');
    fake.forbidden.add('watch pods');
    const r = await baton(['run', 'wf.ts', 'fan', '--n', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [100, 101]);
    assert.match(r.stderr, /cannot watch jobs .*grant the 'watch' verb/);
    assert.ok(fake.count('list jobs') > 1);
  });
});
