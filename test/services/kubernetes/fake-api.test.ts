// The fake API server answers the official client as a cluster would: the executor's end-to-end
// tests are only as good as this.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatchV1Api, CoreV1Api, KubeConfig, Watch, type V1Job } from '@kubernetes/client-node';
import { FakeKubernetes } from './fake/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'baton-fake-k8s-'));
const fake = new FakeKubernetes({ capacity: 2, namespaces: ['default', 'work'] });
const kc = new KubeConfig();
let batch: BatchV1Api;
let core: CoreV1Api;

before(async () => {
  await fake.start();
  kc.loadFromFile(fake.writeKubeconfig(join(dir, 'config'), 'work'));
  batch = kc.makeApiClient(BatchV1Api);
  core = kc.makeApiClient(CoreV1Api);
});
after(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function job(name: string, script: string, spec: Partial<V1Job['spec']> = {}): V1Job {
  return {
    metadata: { name, labels: { suite: 'fake' } },
    spec: {
      template: {
        metadata: { labels: { suite: 'fake' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'ignored:1',
              command: [process.execPath, '-e', script],
              env: [{ name: 'GREETING', value: 'hi' }],
            },
          ],
        },
      },
      ...spec,
    },
  };
}

/** Waits for the Job's status to satisfy `check`, through a watch from the resource version given. */
async function until(name: string, check: (job: V1Job) => boolean): Promise<V1Job> {
  const seen = await batch.readNamespacedJob({ name, namespace: 'work' });
  if (check(seen)) return seen;
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    void new Watch(kc)
      .watch(
        '/apis/batch/v1/namespaces/work/jobs',
        { labelSelector: 'suite=fake', resourceVersion: seen.metadata!.resourceVersion },
        (_type, object: V1Job) => {
          if (object.metadata?.name === name && check(object)) {
            controller?.abort();
            resolve(object);
          }
        },
        (error: unknown) => (error ? reject(error as Error) : undefined),
      )
      .then((c) => (controller = c));
  });
}

const conditionOf = (type: string) => (j: V1Job) =>
  (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

describe('fake Kubernetes API server', () => {
  test('an Indexed Job runs each index as a process with JOB_COMPLETION_INDEX and completes', async () => {
    await batch.createNamespacedJob({
      namespace: 'work',
      body: job('indexed', 'console.log(process.env.GREETING, process.env.JOB_COMPLETION_INDEX)', {
        completionMode: 'Indexed',
        completions: 3,
        parallelism: 3,
      }),
    });
    const done = await until('indexed', conditionOf('Complete'));
    assert.equal(done.status?.completedIndexes, '0-2');
    assert.equal(done.status?.succeeded, 3);
    const pods = await core.listNamespacedPod({ namespace: 'work', labelSelector: 'job-name=indexed' });
    assert.equal(pods.items.length, 3);
    const second = pods.items.find(
      (pod) => pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'] === '1',
    )!;
    const log = await core.readNamespacedPodLog({
      name: second.metadata!.name!,
      namespace: 'work',
      tailLines: 5,
    });
    assert.equal(log, 'hi 1\n');
  });

  test('a create with a taken name is 409, a bad spec 422, an unknown namespace 404', async () => {
    await batch.createNamespacedJob({ namespace: 'work', body: job('twice', '') });
    await assert.rejects(batch.createNamespacedJob({ namespace: 'work', body: job('twice', '') }), {
      code: 409,
    });
    const bad = job('bad', '');
    bad.spec!.template.spec!.restartPolicy = 'Always';
    await assert.rejects(batch.createNamespacedJob({ namespace: 'work', body: bad }), { code: 422 });
    await assert.rejects(batch.createNamespacedJob({ namespace: 'nowhere', body: job('x', '') }), {
      code: 404,
    });
  });

  test('FailIndex on exit code 1 fails that index only; the Job fails with FailedIndexes', async () => {
    await batch.createNamespacedJob({
      namespace: 'work',
      body: job('partly', 'process.exit(Number(process.env.JOB_COMPLETION_INDEX) === 1 ? 1 : 0)', {
        completionMode: 'Indexed',
        completions: 3,
        parallelism: 2,
        backoffLimitPerIndex: 2,
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }] },
      }),
    });
    const failed = await until('partly', conditionOf('Failed'));
    assert.equal(failed.status?.completedIndexes, '0,2');
    assert.equal(failed.status?.failedIndexes, '1');
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'FailedIndexes');
  });

  test('activeDeadlineSeconds fails the Job with DeadlineExceeded and stops its pod', async () => {
    await batch.createNamespacedJob({
      namespace: 'work',
      body: job('late', 'setTimeout(() => {}, 60_000)', { activeDeadlineSeconds: 1 }),
    });
    const failed = await until('late', conditionOf('Failed'));
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'DeadlineExceeded');
    const pods = await core.listNamespacedPod({ namespace: 'work', labelSelector: 'job-name=late' });
    assert.equal(pods.items.length, 0, 'its pod was deleted');
  });

  test('deleting a Job without a propagation policy orphans its pods; Background deletes them', async () => {
    const sleeper = 'setTimeout(() => {}, 60_000)';
    await batch.createNamespacedJob({ namespace: 'work', body: job('orphaning', sleeper) });
    await batch.createNamespacedJob({ namespace: 'work', body: job('cleaning', sleeper) });
    await until('orphaning', (j) => (j.status?.ready ?? 0) > 0);
    await until('cleaning', (j) => (j.status?.ready ?? 0) > 0);
    await batch.deleteNamespacedJob({ name: 'orphaning', namespace: 'work' });
    await batch.deleteNamespacedJob({ name: 'cleaning', namespace: 'work', propagationPolicy: 'Background' });
    for (;;) {
      const left = await core.listNamespacedPod({ namespace: 'work', labelSelector: 'job-name=cleaning' });
      if (left.items.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const orphans = await core.listNamespacedPod({ namespace: 'work', labelSelector: 'job-name=orphaning' });
    assert.equal(orphans.items[0]?.status?.phase, 'Running');
    assert.equal(fake.jobs.orphaned, 1);
    await core.deleteNamespacedPod({ name: orphans.items[0]!.metadata!.name!, namespace: 'work' });
  });

  test('a throttled request is 429 with Retry-After', async () => {
    fake.throttle('list jobs', 1, 3);
    await assert.rejects(
      batch.listNamespacedJob({ namespace: 'work' }),
      (error: { code: number; headers: Record<string, string> }) => {
        assert.equal(error.code, 429);
        assert.equal(error.headers['retry-after'], '3');
        return true;
      },
    );
    assert.equal((await batch.listNamespacedJob({ namespace: 'work' })).kind, 'JobList');
  });

  test('a wrong token is 401', async () => {
    const other = new KubeConfig();
    const cluster = kc.getCurrentCluster()!;
    other.loadFromClusterAndUser(cluster, { name: 'u', token: 'wrong' });
    await assert.rejects(other.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: 'work' }), {
      code: 401,
    });
  });
});
