// The container executor's configuration and the command lines it hands the engine; no engine needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExecutorError, ScratchError } from '../../../src/errors.ts';
import { ContainerExecutor, resolveContainerOptions } from '../../../src/executors/container/index.ts';
import type { ExecutorContext } from '../../../src/executors/index.ts';
import { tempProject, writeProjectFile } from '../../config/temp-project.ts';
import { jobOn, sectionError } from '../section-helpers.ts';

const quiet = { info: () => {}, warn: () => {}, debug: () => {} };

function context(root: string): ExecutorContext {
  return { cwd: root, root, logger: quiet, emit: () => {} };
}

const configError = (dir: string, lines: string) => sectionError(dir, 'box', 'container', lines);
const job = (options: Record<string, unknown> = {}) => jobOn('box', options);

describe('container executor options', () => {
  test('a section without an image is an error that names the file, section and key', async (t) => {
    const error = await configError(tempProject(t), 'engine = "podman"');
    assert.equal(error.section, 'executors.box');
    assert.match(error.message, /image/);
  });

  test('an unknown key is an error with a suggestion', async (t) => {
    const error = await configError(tempProject(t), 'image = "x"\nvolume = ["a:/b"]');
    assert.match(error.message, /volume.*did you mean volumes/s);
  });

  test('a volume without an absolute container path is refused', async (t) => {
    const error = await configError(tempProject(t), 'image = "x"\nvolumes = ["data:relative"]');
    assert.match(error.message, /volumes/);
  });

  test('the run command carries resources, network, mounts and env names, never env values', async (t) => {
    const root = tempProject(t);
    writeProjectFile(root, 'wf.ts', 'export {};\n');
    const executor = new ContainerExecutor(
      'box',
      resolveContainerOptions('box', {
        type: 'container',
        engine: 'true', // answers `ps` with nothing, so the executor starts without a real engine
        image: 'app:1',
        network: 'none',
        volumes: ['data:/data:ro'],
        env: { API_TOKEN: 's3cret-value' },
        run_args: ['--pull=never'],
        baton_command: ['node', '/app/baton.js'],
      }),
    );
    await executor.start(context(root));
    t.after(() => executor.stop());
    const { args, env } = executor.runCommand(job({ vcpus: 2, memory: 1.5, gpus: 1 }));
    const line = args.join(' ');
    assert.match(line, new RegExp(`^run --name baton-${'a'.repeat(64)} `));
    assert.match(line, / --cpus 2 --memory 1536m --gpus 1 --network none /);
    assert.match(line, new RegExp(` --volume ${root}/data:/data:ro `));
    assert.match(line, new RegExp(` --volume ${root}/.baton/scratch:${root}/.baton/scratch `));
    assert.match(line, / --env API_TOKEN /);
    assert.doesNotMatch(line, /s3cret-value/);
    assert.equal(env.API_TOKEN, 's3cret-value');
    assert.match(
      line,
      / --pull=never app:1 node \/app\/baton\.js oneshot --scratch \S+ --job a{64} --code-cache /,
    );
    assert.deepEqual(executor.describe().env, { API_TOKEN: '***' });
  });

  test('an engine that is not installed fails at start, naming the command', async (t) => {
    const executor = new ContainerExecutor(
      'box',
      resolveContainerOptions('box', { type: 'container', engine: 'no-such-engine-xyz', image: 'app:1' }),
    );
    await assert.rejects(executor.start(context(tempProject(t))), (error: unknown) => {
      assert.ok(error instanceof ExecutorError);
      assert.match(error.message, /the engine command 'no-such-engine-xyz' is not installed/);
      return true;
    });
  });

  test('an unreachable scratch fails at start, before any job is submitted, naming the URI', async (t) => {
    const executor = new ContainerExecutor(
      'box',
      resolveContainerOptions('box', {
        type: 'container',
        engine: 'true',
        image: 'app:1',
        scratch: 's3://no-bucket/jobs',
        s3_endpoint: 'http://127.0.0.1:9',
        s3_path_style: true,
      }),
    );
    await assert.rejects(executor.start(context(tempProject(t))), (error: unknown) => {
      assert.ok(error instanceof ScratchError, String(error));
      assert.match(error.message, /s3:\/\/no-bucket\/jobs/);
      return true;
    });
  });
});
