// The aws-batch executor's configuration and what it makes of task options; no AWS needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors.ts';
import { jobSettings, resolveAwsBatchOptions } from '../../../src/executors/aws-batch/index.ts';
import { tempProject } from '../../config/temp-project.ts';
import { jobOn, sectionError } from '../section-helpers.ts';

const configError = (dir: string, lines: string) => sectionError(dir, 'batch', 'aws-batch', lines);
const REQUIRED = { type: 'aws-batch', queue: 'q', image: 'img:1', scratch: 's3://bucket/baton' };

describe('aws-batch executor options', () => {
  test('a section with queue, image and an s3:// scratch takes the defaults for the rest', () => {
    const options = resolveAwsBatchOptions('batch', REQUIRED);
    assert.equal(options.job_name_prefix, 'baton');
    assert.equal(options.platform, 'EC2');
    assert.equal(options.max_array_size, 10_000);
    assert.equal(options.calls_per_element, 1);
    assert.equal(options.log_group, '/aws/batch/job');
    assert.deepEqual(options.baton_command, ['baton']);
    assert.equal(options.poll_interval, 5);
    assert.equal(options.max_poll_interval, 120);
  });

  test('a missing queue is a ConfigError naming the executor section and the key', async (t) => {
    const error = await configError(tempProject(t), 'image = "img:1"\nscratch = "s3://b/p"');
    assert.equal(error.section, 'executors.batch');
    assert.match(error.message, /queue: missing/);
  });

  test('neither image nor job_definition is an error naming image', () => {
    assert.throws(
      () => resolveAwsBatchOptions('batch', { ...REQUIRED, image: undefined }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'image');
        assert.match(error.message, /executor batch: image: missing; set image .* or job_definition/);
        return true;
      },
    );
    const own = resolveAwsBatchOptions('batch', { ...REQUIRED, image: undefined, job_definition: 'mine:3' });
    assert.equal(own.job_definition, 'mine:3');
  });

  test('a folder scratch is refused: Batch containers reach scratch through S3', () => {
    assert.throws(
      () => resolveAwsBatchOptions('batch', { ...REQUIRED, scratch: '/shared/scratch' }),
      (error: unknown) =>
        error instanceof ConfigError && error.key === 'scratch' && /s3:\/\/bucket/.test(error.message),
    );
  });

  test('env entries that look like credentials are refused, without showing their values', () => {
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'API_TOKEN']) {
      assert.throws(
        () => resolveAwsBatchOptions('batch', { ...REQUIRED, env: { [name]: 'hunter2' } }),
        (error: unknown) =>
          error instanceof ConfigError && error.key === 'env' && !error.message.includes('hunter2'),
      );
    }
    assert.deepEqual(resolveAwsBatchOptions('batch', { ...REQUIRED, env: { LOG_LEVEL: 'debug' } }).env, {
      LOG_LEVEL: 'debug',
    });
  });

  test('Fargate needs an execution role; a job name prefix must fit in a Batch job name', async (t) => {
    assert.throws(
      () => resolveAwsBatchOptions('batch', { ...REQUIRED, platform: 'FARGATE' }),
      (error: unknown) => error instanceof ConfigError && error.key === 'execution_role',
    );
    const error = await configError(
      tempProject(t),
      'queue = "q"\nimage = "i"\nscratch = "s3://b/p"\njob_name_prefix = "has space"',
    );
    assert.match(error.message, /job_name_prefix/);
  });

  test("a task's own queue, image and tags override the section's", () => {
    const options = resolveAwsBatchOptions('batch', { ...REQUIRED, tags: { team: 'a', cost: 'x' } });
    const settings = jobSettings(
      options,
      jobOn('batch', { queue: 'gpu-queue', image: 'gpu:2', tags: { cost: 'y' }, memory: 4, retries: 2 }),
    );
    assert.equal(settings.queue, 'gpu-queue');
    assert.equal(settings.image, 'gpu:2');
    assert.deepEqual(settings.tags, { team: 'a', cost: 'y' });
    assert.equal(settings.memory, 4);
    assert.equal(settings.retries, 2);
  });

  test('a task option of the wrong type is a ConfigError naming the task and the key', () => {
    const options = resolveAwsBatchOptions('batch', REQUIRED);
    assert.throws(
      () => jobSettings(options, jobOn('batch', { queue: 3 })),
      (error: unknown) => error instanceof ConfigError && /task fit: option 'queue'/.test(error.message),
    );
  });
});
