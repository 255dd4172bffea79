// What the kubernetes executor says when its configuration or the cluster will not do, before (or
// instead of) submitting anything.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cluster, startS3, type S3Server } from './setup.ts';

let s3: S3Server;
before(async () => (s3 = await startS3()));
after(() => s3.close());

describe('kubernetes executor: bad input', () => {
  test('a missing required option is a ConfigError naming the executor and key; nothing reaches the API', async (t) => {
    const { fake, p, baton } = await cluster(t, s3);
    p.write('baton.toml', p.read('baton.toml').replace(/^image = .*$/m, ''));
    const r = await baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /executors\.k8s.*image|image.*executors\.k8s/s);
    assert.match(r.stderr, /missing/);
    assert.equal(fake.total, 0);
  });

  test('no kubeconfig anywhere: the error lists the variable and files it looked at', async (t) => {
    const { fake, p, baton } = await cluster(t, s3);
    const home = join(p.dir, 'empty-home');
    const r = await baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2'], {
      env: { KUBECONFIG: join(p.dir, 'no-such-kubeconfig'), HOME: home },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /executor k8s: no Kubernetes configuration found/);
    assert.match(r.stderr, /KUBECONFIG=.*no-such-kubeconfig: no such file/);
    assert.match(r.stderr, /empty-home\/\.kube\/config: no such file/);
    assert.match(r.stderr, /in-cluster service account/);
    assert.equal(fake.total, 0);
  });

  test('a namespace that does not exist fails before anything is submitted, saying what to do', async (t) => {
    const { fake, baton } = await cluster(t, s3, { extra: { namespace: 'no-such-namespace' } });
    const r = await baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /executor k8s: list jobs in namespace no-such-namespace failed: namespaces "no-such-namespace" not found/,
    );
    assert.match(r.stderr, /create the namespace/);
    assert.equal(fake.created.length, 0);
  });

  test('an account that may not create Jobs fails the call at once, pointing at the RBAC rules', async (t) => {
    const { fake, baton } = await cluster(t, s3);
    fake.forbidden.add('create jobs');
    const r = await baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot create resource "jobs" in API group "batch"/);
    assert.match(r.stderr, /RBAC rules in docs\/executors\/kubernetes\.md/);
    assert.doesNotMatch(r.stderr, /retrying/);
    assert.doesNotMatch(r.stderr, new RegExp(fake.token));
  });
});
