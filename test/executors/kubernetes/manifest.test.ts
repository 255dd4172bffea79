// The Job the kubernetes executor builds from its options and a task's; no cluster needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  jobManifest,
  jobName,
  podSettings,
  resolveKubernetesOptions,
} from '../../../src/executors/kubernetes/index.ts';
import { jobOn } from '../section-helpers.ts';

const job = (options: Record<string, unknown> = {}) => jobOn('k8s', options);
const minimal = { type: 'kubernetes', image: 'app:1', scratch: 's3://bucket/baton' };

describe('kubernetes Job manifest', () => {
  const options = resolveKubernetesOptions('k8s', {
    ...minimal,
    s3_endpoint: 'http://minio:9000',
    s3_path_style: true,
    service_account: 'runner',
    env: { MODE: 'fast' },
    secrets: { API_TOKEN: 'tokens/api' },
    labels: { team: 'ml' },
    tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
    baton_command: ['node', '/app/bin/baton.js'],
  });

  function manifest(taskOptions: Record<string, unknown>, elements = 3, calls = 3) {
    return jobManifest({
      executor: 'k8s',
      name: jobName('fit', 'b1'),
      batch: 'b1',
      task: 'fit',
      elements,
      calls,
      listKey: 'kubernetes/b1/jobs',
      scratch: 's3://bucket/baton',
      settings: podSettings(options, job(taskOptions)),
      options,
    });
  }

  test('an Indexed Job whose pods run baton oneshot on their line of the job list', () => {
    const spec = manifest({}).spec!;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.completions, 3);
    assert.equal(spec.parallelism, 3);
    assert.equal(spec.ttlSecondsAfterFinished, 3600);
    const container = spec.template.spec!.containers[0]!;
    assert.deepEqual(container.command, [
      'node',
      '/app/bin/baton.js',
      'oneshot',
      '--scratch',
      's3://bucket/baton',
      '--list',
      'kubernetes/b1/jobs',
      '--code-cache',
      '/tmp/baton-code',
    ]);
    assert.equal(spec.template.spec!.restartPolicy, 'Never');
    assert.equal(spec.template.spec!.serviceAccountName, 'runner');
  });

  test("volumes go on the pod and their mounts on the container; a task's own replace the section's", () => {
    const withVolumes = resolveKubernetesOptions('k8s', {
      ...minimal,
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'datasets', readOnly: true } },
        { name: 'shm', emptyDir: { medium: 'Memory' } },
      ],
      volume_mounts: [
        { name: 'data', mountPath: '/data', readOnly: true },
        { name: 'shm', mountPath: '/dev/shm' },
      ],
    });
    const build = (taskOptions: Record<string, unknown>) =>
      jobManifest({
        executor: 'k8s',
        name: jobName('fit', 'b2'),
        batch: 'b2',
        task: 'fit',
        elements: 1,
        calls: 1,
        listKey: 'kubernetes/b2/jobs',
        scratch: 's3://bucket/baton',
        settings: podSettings(withVolumes, job(taskOptions)),
        options: withVolumes,
      }).spec!.template.spec!;
    const pod = build({});
    assert.deepEqual(
      pod.volumes?.map((v) => v.name),
      ['data', 'shm'],
    );
    assert.deepEqual(pod.volumes?.[0]?.persistentVolumeClaim, { claimName: 'datasets', readOnly: true });
    assert.deepEqual(pod.containers[0]!.volumeMounts, [
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'shm', mountPath: '/dev/shm' },
    ]);
    const own = build({
      volumes: [{ name: 'models', configMap: { name: 'weights' } }],
      volume_mounts: [{ name: 'models', mountPath: '/models' }],
    });
    assert.deepEqual(
      own.volumes?.map((v) => v.name),
      ['models'],
    );
    const bare = manifest({}).spec!.template.spec!;
    assert.equal(bare.volumes, undefined, 'no volumes unless asked');
    assert.equal(bare.containers[0]!.volumeMounts, undefined);
  });

  test('vcpus, memory and gpus become requests and limits', () => {
    const container = manifest({ vcpus: 0.5, memory: 1.5, gpus: 1 }).spec!.template.spec!.containers[0]!;
    assert.deepEqual(container.resources, {
      requests: { cpu: '500m', memory: '1536Mi' },
      limits: { memory: '1536Mi', 'nvidia.com/gpu': '1' },
    });
  });

  test('retries are the per-index backoff limit; a task error, a kill or a cancel is not retried by Kubernetes', () => {
    const spec = manifest({ retries: 2 }).spec!;
    assert.equal(spec.backoffLimitPerIndex, 2);
    const rules = spec.podFailurePolicy!.rules;
    assert.deepEqual(rules[0], {
      action: 'Ignore',
      onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }],
    });
    assert.deepEqual(rules[1]!.onExitCodes, {
      containerName: 'baton',
      operator: 'In',
      values: [1, 137, 143],
    });
    assert.equal(rules[1]!.action, 'FailIndex');
  });

  test('a time limit becomes a deadline for the whole Job with room for its calls and pod start', () => {
    assert.equal(manifest({ timeLimit: '90s' }, 1, 1).spec!.activeDeadlineSeconds, 150);
    assert.equal(manifest({ timeLimit: 10 }, 4, 4).spec!.activeDeadlineSeconds, 100);
    assert.equal(manifest({}).spec!.activeDeadlineSeconds, undefined);
  });

  test('env values, Secret references (never values) and scratch settings reach the container', () => {
    const env = manifest({}).spec!.template.spec!.containers[0]!.env;
    assert.deepEqual(env, [
      { name: 'MODE', value: 'fast' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } } },
      { name: 'BATON_S3_ENDPOINT', value: 'http://minio:9000' },
      { name: 'BATON_S3_PATH_STYLE', value: '1' },
    ]);
  });

  test('labels name the manager, executor, task and batch; the job list is an annotation', () => {
    const built = manifest({});
    assert.deepEqual(built.metadata!.labels, {
      team: 'ml',
      'app.kubernetes.io/managed-by': 'baton',
      'baton.dev/executor': 'k8s',
      'baton.dev/task': 'fit',
      'baton.dev/batch': 'b1',
    });
    assert.equal(built.metadata!.annotations!['baton.dev/job-list'], 'kubernetes/b1/jobs');
    assert.deepEqual(built.spec!.template.metadata!.labels, built.metadata!.labels);
  });

  test('Job names are DNS labels short enough for pod host names, whatever the task is called', () => {
    const name = jobName('Train_Model.v2 (Large & Slow)!', 'mwto0es6-19cc7f');
    assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.ok(name.length <= 42, name);
  });
});
