// A burst of 1,000 calls on the kubernetes executor: one Indexed Job, and a budget of API requests
// (submits plus status reads) of at most 1/50 of one submit and one status read per call.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cluster, startS3, type S3Server } from './setup.ts';

let s3: S3Server;
before(async () => (s3 = await startS3()));
after(() => s3.close());

test('1,000 calls go out as Indexed Jobs of 50 calls per pod and cost at most 40 API requests', async (t) => {
  const { fake, baton } = await cluster(t, s3, { extra: { calls_per_element: 50 } });
  const r = await baton(['run', 'wf.ts', 'fan', '--n', '1000'], { timeoutMs: 280_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    JSON.parse(r.stdout),
    Array.from({ length: 1000 }, (_, i) => i + 100),
  );
  // The burst goes out once every call is staged, or after 5 s of staging (a slow machine).
  const elements = fake.created.map((job) => job.completions);
  assert.ok(fake.created.length <= 3, `Jobs of ${elements.join(', ')} pods`);
  const pods = elements.reduce((sum, count) => sum + count, 0);
  assert.ok(pods <= 20 + fake.created.length - 1, `50 calls per pod, got ${pods} pods`);
  const requests = Object.fromEntries(fake.requests);
  assert.ok(fake.total <= 40, `at most 40 requests, got ${fake.total}: ${JSON.stringify(requests)}`);
  t.diagnostic(`API requests: ${JSON.stringify(requests)}`);
});
