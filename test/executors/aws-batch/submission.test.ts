// What the aws-batch executor sends: the job definition it registers and the SubmitJob of a batch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  definitionRequest,
  jobSettings,
  resolveAwsBatchOptions,
  submitRequest,
} from '../../../src/executors/aws-batch/index.ts';
import { jobOn } from '../section-helpers.ts';

const options = resolveAwsBatchOptions('batch', {
  type: 'aws-batch',
  queue: 'q',
  image: 'img:1',
  scratch: 's3://bucket/baton',
  role: 'arn:aws:iam::123456789012:role/baton-job',
  env: { LOG_LEVEL: 'debug' },
  s3_endpoint: 'http://minio:9000',
  s3_path_style: true,
});

function submission(taskOptions: Record<string, unknown>, size = 1, ownDefinition = false) {
  return submitRequest('batch', options, {
    name: 'baton-array-x',
    definition: 'baton-0123:1',
    ownDefinition,
    size,
    listKey: 'aws-batch/x/jobs',
    scratch: 's3://bucket/baton',
    task: 'fit model',
    settings: jobSettings(options, jobOn('batch', taskOptions)),
  });
}

describe('aws-batch job definitions', () => {
  test('the definition runs baton oneshot on a job list given as a parameter, as the role, with env', () => {
    const request = definitionRequest(options, 'img:1', 's3://bucket/baton');
    const container = request.containerProperties!;
    assert.deepEqual(container.command, [
      'baton',
      'oneshot',
      '--scratch',
      'Ref::scratch',
      '--list',
      'Ref::list',
      '--code-cache',
      '/tmp/baton-code',
    ]);
    assert.deepEqual(request.parameters, { scratch: 's3://bucket/baton' });
    assert.equal(container.jobRoleArn, 'arn:aws:iam::123456789012:role/baton-job');
    assert.deepEqual(container.environment, [
      { name: 'BATON_S3_ENDPOINT', value: 'http://minio:9000' },
      { name: 'BATON_S3_PATH_STYLE', value: '1' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
  });

  test('its name comes from a hash of its contents: the same for the same definition, new for another', () => {
    const a = definitionRequest(options, 'img:1', 's3://bucket/baton').jobDefinitionName!;
    assert.equal(definitionRequest(options, 'img:1', 's3://bucket/baton').jobDefinitionName, a);
    assert.match(a, /^baton-[0-9a-f]{16}$/);
    assert.notEqual(definitionRequest(options, 'img:2', 's3://bucket/baton').jobDefinitionName, a);
  });
});

describe('aws-batch submissions', () => {
  test('vcpus, memory and gpus become resource requirements in Batch units', () => {
    const request = submission({ vcpus: 1.5, memory: 1.5, gpus: 1 });
    assert.deepEqual(request.containerOverrides?.resourceRequirements, [
      { type: 'VCPU', value: '2' },
      { type: 'MEMORY', value: '1536' },
      { type: 'GPU', value: '1' },
    ]);
  });

  test('a time limit becomes attemptDurationSeconds, never below the 60 s Batch accepts', () => {
    assert.equal(submission({ timeLimit: '2h' }).timeout?.attemptDurationSeconds, 7200);
    assert.equal(submission({ timeLimit: 3 }).timeout?.attemptDurationSeconds, 60);
    assert.equal(submission({}).timeout, undefined);
  });

  test('retries become a retry strategy that retries only a lost host; task failures exit', () => {
    const strategy = submission({ retries: 2 }).retryStrategy!;
    assert.equal(strategy.attempts, 3);
    assert.deepEqual(strategy.evaluateOnExit, [
      { onStatusReason: 'Host EC2*', action: 'RETRY' },
      { onStatusReason: '*', action: 'EXIT' },
    ]);
    assert.equal(submission({ retries: 50 }).retryStrategy!.attempts, 10, 'Batch allows at most 10');
  });

  test('an array job has its size; a single job has none; both name their list as a parameter', () => {
    assert.deepEqual(submission({}, 40).arrayProperties, { size: 40 });
    assert.equal(submission({}, 1).arrayProperties, undefined);
    assert.deepEqual(submission({}).parameters, { list: 'aws-batch/x/jobs' });
  });

  test("with a job definition of the user's own, Baton's command and scratch env go in as overrides", () => {
    const request = submission({}, 1, true);
    assert.equal(request.parameters, undefined);
    assert.deepEqual(request.containerOverrides?.command?.slice(-6), [
      '--scratch',
      's3://bucket/baton',
      '--list',
      'aws-batch/x/jobs',
      '--code-cache',
      '/tmp/baton-code',
    ]);
    assert.deepEqual(request.containerOverrides?.environment, [
      { name: 'BATON_S3_ENDPOINT', value: 'http://minio:9000' },
      { name: 'BATON_S3_PATH_STYLE', value: '1' },
    ]);
  });

  test('jobs are tagged with the executor and the task, in characters tags allow', () => {
    assert.deepEqual(submission({}).tags, { 'baton:executor': 'batch', 'baton:task': 'fit model' });
    assert.equal(submission({}).propagateTags, true);
  });
});
