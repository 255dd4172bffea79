// Finding the cluster's configuration in kubectl's order, and saying where it looked when it is not there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { join } from 'node:path';
import * as client from '@kubernetes/client-node';
import { ConfigError } from '../../../src/errors.ts';
import { loadKubeconfig } from '../../../src/executors/kubernetes/index.ts';
import { tempProject, writeProjectFile } from '../../config/temp-project.ts';

function kubeconfig(server: string, namespace?: string, contexts: string[] = ['main']): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server } }],
    users: [{ name: 'u', user: { token: 'secret-token-value' } }],
    contexts: contexts.map((name) => ({ name, context: { cluster: 'c', user: 'u', namespace } })),
    'current-context': contexts[0],
  });
}

describe('kubeconfig search', () => {
  test('the section key wins, then KUBECONFIG, then ~/.kube/config', (t) => {
    const dir = tempProject(t);
    writeProjectFile(dir, 'own.yaml', kubeconfig('https://own:6443', 'jobs'));
    writeProjectFile(dir, 'from-env.yaml', kubeconfig('https://env:6443'));
    writeProjectFile(dir, 'home/.kube/config', kubeconfig('https://home:6443'));
    const env = { KUBECONFIG: join(dir, 'from-env.yaml'), HOME: join(dir, 'home') };
    const search = { executor: 'k8s', root: dir, env };
    const own = loadKubeconfig(client, { ...search, kubeconfig: 'own.yaml' });
    assert.equal(own.config.getCurrentCluster()?.server, 'https://own:6443');
    assert.equal(own.namespace, 'jobs');
    assert.equal(loadKubeconfig(client, search).config.getCurrentCluster()?.server, 'https://env:6443');
    const home = loadKubeconfig(client, { ...search, env: { HOME: env.HOME } });
    assert.equal(home.config.getCurrentCluster()?.server, 'https://home:6443');
    assert.equal(home.namespace, undefined);
  });

  test('nothing found: a ConfigError that lists every place looked at', (t) => {
    const dir = tempProject(t);
    const env = { KUBECONFIG: join(dir, 'missing.yaml'), HOME: join(dir, 'empty-home') };
    assert.throws(
      () => loadKubeconfig(client, { executor: 'k8s', root: dir, env, serviceAccount: join(dir, 'sa') }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.section, 'executors.k8s');
        assert.equal(error.key, 'kubeconfig');
        assert.match(error.message, /^executor k8s: no Kubernetes configuration found; looked at /);
        assert.match(error.message, /the kubeconfig key of the section: not set/);
        assert.match(error.message, new RegExp(`KUBECONFIG=${join(dir, 'missing.yaml')}: no such file`));
        assert.match(
          error.message,
          new RegExp(`${join(dir, 'empty-home', '.kube', 'config')}: no such file`),
        );
        assert.match(
          error.message,
          /in-cluster service account: KUBERNETES_SERVICE_HOST not set, .*sa\/token: no such file/,
        );
        assert.match(error.hint!, /export KUBECONFIG/);
        return true;
      },
    );
  });

  test('a kubeconfig key naming no file, and a context the file lacks, are errors naming the key', (t) => {
    const dir = tempProject(t);
    writeProjectFile(dir, 'kc.yaml', kubeconfig('https://x:6443', undefined, ['a', 'b']));
    const search = { executor: 'k8s', root: dir, env: {} };
    assert.throws(() => loadKubeconfig(client, { ...search, kubeconfig: 'nope.yaml' }), {
      key: 'kubeconfig',
    });
    assert.throws(
      () => loadKubeconfig(client, { ...search, kubeconfig: 'kc.yaml', context: 'c' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'context');
        assert.match(error.hint!, /its contexts: a, b/);
        return true;
      },
    );
    const chosen = loadKubeconfig(client, { ...search, kubeconfig: 'kc.yaml', context: 'b' });
    assert.equal(chosen.config.getCurrentContext(), 'b');
  });

  test('in a pod: the service account token and namespace', (t) => {
    const dir = tempProject(t);
    writeProjectFile(dir, 'sa/token', 'pod-token');
    writeProjectFile(dir, 'sa/namespace', 'pipelines\n');
    const loaded = loadKubeconfig(client, {
      executor: 'k8s',
      root: dir,
      env: { HOME: join(dir, 'nohome'), KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccount: join(dir, 'sa'),
    });
    assert.equal(loaded.source, 'in-cluster service account');
    assert.equal(loaded.namespace, 'pipelines');
  });
});
