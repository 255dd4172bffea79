// The Slurm executor's configuration, the sbatch flags and the job script it writes; no Slurm needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors.ts';
import { jobScript, resolveSlurmOptions, resourceArgs } from '../../../src/executors/slurm/index.ts';
import { jobSettings } from '../../../src/executors/slurm/options.ts';
import { tempProject } from '../../config/temp-project.ts';
import { jobOn, sectionError } from '../section-helpers.ts';

const configError = (dir: string, lines: string) => sectionError(dir, 'hpc', 'slurm', lines);
const job = (options: Record<string, unknown> = {}) => jobOn('hpc', options);

describe('slurm executor options', () => {
  test('a bare section takes the defaults', () => {
    const options = resolveSlurmOptions('hpc', { type: 'slurm' });
    assert.equal(options.max_array_size, 1000);
    assert.deepEqual(options.baton_command, ['baton']);
    assert.deepEqual(options.sbatch_args, []);
    assert.deepEqual(options.setup, []);
    assert.equal(options.poll_interval, 1);
    assert.equal(options.scratch, undefined);
  });

  test('an unknown key is an error with a suggestion', async (t) => {
    const error = await configError(tempProject(t), 'partitions = "debug"');
    assert.equal(error.section, 'executors.hpc');
    assert.match(error.message, /partitions.*did you mean partition/s);
  });

  test('max_array_size below 1 is refused, naming the key', async (t) => {
    const error = await configError(tempProject(t), 'max_array_size = 0');
    assert.match(error.message, /max_array_size/);
  });

  test('an s3:// scratch is refused: Slurm writes job output into a shared folder', () => {
    assert.throws(
      () => resolveSlurmOptions('hpc', { type: 'slurm', scratch: 's3://bucket/baton' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'scratch');
        assert.match(error.message, /nodes share/);
        return true;
      },
    );
  });

  test('task options become sbatch flags, with sbatch_args last so they win', () => {
    const options = resolveSlurmOptions('hpc', {
      type: 'slurm',
      partition: 'debug',
      account: 'lab',
      qos: 'short',
      sbatch_args: ['--constraint=avx2', '--time=5'],
    });
    const args = resourceArgs(
      jobSettings(options, job({ vcpus: 2.5, memory: 1.5, gpus: 1, timeLimit: '90s' })),
    );
    assert.deepEqual(args, [
      '--partition=debug',
      '--account=lab',
      '--qos=short',
      '--cpus-per-task=3',
      '--mem=1536M',
      '--gres=gpu:1',
      '--time=2',
      '--constraint=avx2',
      '--time=5',
    ]);
  });

  test("a task's own partition, account, qos and sbatch_args override the section's", () => {
    const options = resolveSlurmOptions('hpc', { type: 'slurm', partition: 'debug', sbatch_args: ['-N1'] });
    const settings = jobSettings(options, job({ partition: 'gpu', sbatch_args: ['--exclusive'] }));
    assert.deepEqual(resourceArgs(settings), ['--partition=gpu', '--exclusive']);
  });

  test('a task option of the wrong type is a ConfigError naming the task and the key', () => {
    const options = resolveSlurmOptions('hpc', { type: 'slurm' });
    assert.throws(
      () => jobSettings(options, job({ partition: 3 })),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /task fit: option 'partition' must be a non-empty string/);
        return true;
      },
    );
  });
});

describe('slurm job script', () => {
  const common = {
    setup: ['module load nodejs/24', 'export GREETING="hi there"'],
    scratch: '/shared/my scratch',
    codeCache: '/shared/code',
    title: 'baton: task fit',
  };

  test('a single job runs its setup lines, then baton oneshot for its eval hash', () => {
    const script = jobScript({
      ...common,
      batonCommand: ['node', '/opt/baton/bin/baton.js'],
      job: { evalHash: 'c'.repeat(64) },
    });
    assert.equal(
      script,
      [
        '#!/bin/bash',
        '# baton: task fit',
        'module load nodejs/24',
        'export GREETING="hi there"',
        `exec node /opt/baton/bin/baton.js oneshot --scratch '/shared/my scratch' --job ${'c'.repeat(64)} --code-cache /shared/code`,
        '',
      ].join('\n'),
    );
  });

  test('an array element runs baton oneshot on the job list, which reads its index from Slurm', () => {
    const script = jobScript({ ...common, batonCommand: ['baton'], job: { list: 'slurm/b1/jobs' } });
    assert.equal(
      script.split('\n').at(-2),
      "exec baton oneshot --scratch '/shared/my scratch' --list slurm/b1/jobs --code-cache /shared/code",
    );
  });
});
