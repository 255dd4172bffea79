// The kubernetes executor's configuration and the pod settings a task may override; no cluster needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors.ts';
import {
  KubernetesExecutor,
  podSettings,
  resolveKubernetesOptions,
} from '../../../src/executors/kubernetes/index.ts';
import { tempProject } from '../../config/temp-project.ts';
import { jobOn, sectionError } from '../section-helpers.ts';

const configError = (dir: string, lines: string) => sectionError(dir, 'k8s', 'kubernetes', lines);
const job = (options: Record<string, unknown> = {}) => jobOn('k8s', options);
const minimal = { type: 'kubernetes', image: 'app:1', scratch: 's3://bucket/baton' };

describe('kubernetes executor options', () => {
  test('a section without an image is an error that names the section and the key', async (t) => {
    const error = await configError(tempProject(t), 'scratch = "s3://bucket/baton"');
    assert.equal(error.section, 'executors.k8s');
    assert.equal(error.key, 'image');
  });

  test('a section without an s3:// scratch is an error: pods cannot see this machine', async (t) => {
    const missing = await configError(tempProject(t), 'image = "app:1"');
    assert.equal(missing.key, 'scratch');
    assert.match(missing.message, /s3:\/\/bucket\/prefix/);
    const folder = await configError(tempProject(t), 'image = "app:1"\nscratch = "/shared/scratch"');
    assert.equal(folder.key, 'scratch');
  });

  test('resolving a section names the executor and the key', () => {
    assert.throws(
      () => resolveKubernetesOptions('k8s', { type: 'kubernetes', scratch: 's3://b/p' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^executor k8s: image: missing/);
        return true;
      },
    );
  });

  test('an unknown key is an error with a suggestion', async (t) => {
    const error = await configError(tempProject(t), 'image = "x"\nscratch = "s3://b/p"\nnamspace = "jobs"');
    assert.match(error.message, /namspace.*did you mean namespace/s);
  });

  test('a bare section takes the defaults', () => {
    const options = resolveKubernetesOptions('k8s', minimal);
    assert.equal(options.ttl_seconds_after_finished, 3600);
    assert.equal(options.calls_per_element, 1);
    assert.equal(options.max_array_size, 1000);
    assert.equal(options.code_cache, '/tmp/baton-code');
    assert.deepEqual(options.baton_command, ['baton']);
    assert.equal(options.namespace, undefined);
  });

  test('a secret reference must be secret-name/key', async (t) => {
    const error = await configError(
      tempProject(t),
      'image = "x"\nscratch = "s3://b/p"\nsecrets = { TOKEN = "no-key" }',
    );
    assert.equal(error.key, 'secrets');
  });

  test("a task's own image, node selector and tolerations override the section's", () => {
    const options = resolveKubernetesOptions('k8s', { ...minimal, node_selector: { pool: 'cpu' } });
    const settings = podSettings(
      options,
      job({
        image: 'gpu-app:2',
        node_selector: { pool: 'gpu' },
        tolerations: [{ key: 'gpu', operator: 'Exists' }],
      }),
    );
    assert.equal(settings.image, 'gpu-app:2');
    assert.deepEqual(settings.nodeSelector, { pool: 'gpu' });
    assert.deepEqual(settings.tolerations, [{ key: 'gpu', operator: 'Exists' }]);
  });

  test('a mount that names no volume, or a volume without exactly one source, is an error naming the key', async (t) => {
    const stray = await configError(
      tempProject(t),
      [
        'image = "app:1"',
        'scratch = "s3://b/p"',
        'volumes = [{ name = "data", persistentVolumeClaim = { claimName = "datasets" } }]',
        'volume_mounts = [{ name = "dta", mountPath = "/data" }]',
      ].join('\n'),
    );
    assert.equal(stray.key, 'volume_mounts');
    assert.match(stray.message, /mount of 'dta' at \/data names no volume \(the volumes are data\)/);
    const sourceless = await configError(
      tempProject(t),
      'image = "app:1"\nscratch = "s3://b/p"\nvolumes = [{ name = "data" }]',
    );
    assert.match(sourceless.key ?? '', /^volumes/);
    assert.match(sourceless.message, /volumes: expected a list of volumes, each a name and one source/);
    const misspelled = await configError(
      tempProject(t),
      'image = "app:1"\nscratch = "s3://b/p"\nvolumes = [{ name = "data", persistentVolumeClame = { claimName = "x" } }]',
    );
    assert.match(misspelled.message, /got \[\{"name":"data","persistentVolumeClame"/);
    const options = resolveKubernetesOptions('k8s', minimal);
    assert.throws(
      () => podSettings(options, job({ volume_mounts: [{ name: 'scratch', mountPath: '/scratch' }] })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.key === 'volume_mounts' &&
        /task fit: option 'volume_mounts': mount of 'scratch' at \/scratch names no volume \(there are no volumes\)/.test(
          error.message,
        ),
    );
  });

  test('a task option of the wrong type is a ConfigError naming the task and the key', () => {
    const options = resolveKubernetesOptions('k8s', minimal);
    assert.throws(
      () => podSettings(options, job({ tolerations: 'gpu' })),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'tolerations');
        assert.match(error.message, /task fit: option 'tolerations' must be a list of tolerations/);
        return true;
      },
    );
  });

  test('describe() masks env values; Secret references are names, shown as they are', () => {
    const executor = new KubernetesExecutor(
      'k8s',
      resolveKubernetesOptions('k8s', {
        ...minimal,
        env: { API_TOKEN: 's3cret' },
        secrets: { DB: 'db/password' },
      }),
    );
    const described = executor.describe();
    assert.deepEqual(described.env, { API_TOKEN: '***' });
    assert.deepEqual(described.secrets, { DB: 'db/password' });
    assert.doesNotMatch(JSON.stringify(described), /s3cret/);
  });
});
