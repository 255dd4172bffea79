// What the aws-batch executor says, before anything reaches AWS, when its section lacks a required
// option or no credentials can be found.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AWS_ENV, batchProject, startServices, type Services } from './harness.ts';

const WORKFLOW = `import { task } from 'baton';
export const add = task('add', (a: number, b: number) => a + b, { executor: 'batch' });
`;

let services: Services;
before(async () => {
  services = await startServices();
});
after(() => services.close());

describe('aws-batch executor: bad input', () => {
  for (const [what, key, drop] of [
    ['queue', 'queue', 'queue'],
    ['image (and no job_definition)', 'image', 'image'],
    ['an s3:// scratch', 'scratch', 'scratch'],
  ] as const) {
    test(`a section without ${what} is a ConfigError naming the executor and ${key}; nothing is sent`, async (t) => {
      const p = batchProject(t, services, WORKFLOW);
      const config = p.read('baton.toml').split('\n');
      p.write('baton.toml', config.filter((line) => !line.startsWith(`${drop} =`)).join('\n'));
      const sent = services.fake.count();
      const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2'], { env: AWS_ENV });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`\\[executors\\.batch\\].*${key}|executors\\.batch.*${key}`));
      assert.match(r.stderr, new RegExp(`${key}: missing`));
      assert.equal(services.fake.count(), sent, 'no request reached AWS');
    });
  }

  test('a secret-looking env entry is refused: env is written into the job definition', async (t) => {
    const p = batchProject(t, services, WORKFLOW, ['env = { API_TOKEN = "abc" }']);
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2'], { env: AWS_ENV });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /API_TOKEN looks like a secret.*secrets/);
    assert.doesNotMatch(r.stderr, /abc/);
  });

  test('without a region the error names the key to set; nothing is sent', async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'baton-no-aws-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const p = batchProject(t, services, WORKFLOW);
    p.write('baton.toml', p.read('baton.toml').replace(/^region = .*$/m, ''));
    const sent = services.fake.count();
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2'], {
      env: { ...AWS_ENV, HOME: home, AWS_REGION: '', AWS_DEFAULT_REGION: '' },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /executor batch: no AWS region/);
    assert.match(r.stderr, /region = "us-east-1"/);
    assert.equal(services.fake.count(), sent, 'no request reached AWS');
  });

  test('without credentials the error says where they were looked for; nothing is sent', async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'baton-no-aws-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const p = batchProject(t, services, WORKFLOW);
    const sent = services.fake.count();
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2'], {
      env: { HOME: home, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /executor batch: no AWS credentials found/);
    assert.match(r.stderr, /environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    assert.ok(
      r.stderr.includes(
        `shared files ${join(home, '.aws', 'credentials')} and ${join(home, '.aws', 'config')}`,
      ),
    );
    assert.match(r.stderr, /EC2 instance metadata/);
    assert.equal(services.fake.count(), sent, 'no request reached AWS');
  });
});
