import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ScratchError } from '../../src/errors.ts';
import { openScratch, S3Scratch } from '../../src/scratch/index.ts';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../support/s3.ts';
import { scratchBehaviour } from './behaviour.ts';

let server: S3Server | undefined;
let endpoint = '';
const credentials = S3RVER_CREDENTIALS;
const opened: S3Scratch[] = [];
let n = 0;

before(async () => {
  server = await startS3('baton-test');
  endpoint = server.endpoint;
});
after(async () => {
  for (const scratch of opened) await scratch.close();
  await server?.close();
});

function s3(uri: string, options: { endpoint?: string; credentials?: typeof credentials } = {}): S3Scratch {
  const scratch = new S3Scratch(uri, { endpoint, forcePathStyle: true, credentials, ...options });
  opened.push(scratch);
  return scratch;
}

scratchBehaviour('an S3 scratch (s3rver)', () => s3(`s3://baton-test/run-${n++}`));

describe('an S3 scratch that cannot be used', () => {
  test('a bucket that does not exist fails check() with the URI and the reason', async () => {
    await assert.rejects(s3('s3://no-such-bucket/x').check(), (error: unknown) => {
      assert.ok(error instanceof ScratchError);
      assert.equal(error.uri, 's3://no-such-bucket/x');
      assert.match(error.message, /cannot use scratch s3:\/\/no-such-bucket\/x: NoSuchBucket/);
      return true;
    });
  });

  test('refused credentials fail check() with the reason', async () => {
    const wrong = s3('s3://baton-test/x', {
      credentials: { accessKeyId: 'NOT-THE-KEY', secretAccessKey: 'nope' },
    });
    await assert.rejects(wrong.check(), (error: unknown) => {
      assert.ok(error instanceof ScratchError);
      assert.match(error.message, /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied/);
      assert.doesNotMatch(error.message, /nope/, 'the secret never appears');
      return true;
    });
  });

  test('an endpoint nobody listens on fails check(), naming the scratch', async () => {
    const idle = createServer();
    await new Promise<void>((resolve) => idle.listen(0, '127.0.0.1', resolve));
    const port = (idle.address() as { port: number }).port;
    await new Promise<void>((resolve) => idle.close(() => resolve()));
    const unreachable = s3('s3://baton-test/x', { endpoint: `http://127.0.0.1:${port}` });
    await assert.rejects(unreachable.check(), (error: unknown) => {
      assert.ok(error instanceof ScratchError);
      assert.match(error.message, /cannot use scratch s3:\/\/baton-test\/x: .*ECONNREFUSED/);
      return true;
    });
  });
});

test('openScratch gives an S3 scratch for s3:// with its options', () => {
  const scratch = openScratch('s3://baton-test/some/prefix', { s3: { endpoint, forcePathStyle: true } });
  assert.ok(scratch instanceof S3Scratch);
  assert.equal(scratch.locate('jobs/a/input'), 's3://baton-test/some/prefix/jobs/a/input');
});
