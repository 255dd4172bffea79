import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { File, stageIn, stageOut } from '../../src/files/index.ts';
import { hashValue } from '../../src/hash/index.ts';
import { S3Scratch } from '../../src/scratch/index.ts';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../support/s3.ts';
import { writeIn } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'baton-files-s3-'));
let server: S3Server | undefined;
let scratch: S3Scratch;

before(async () => {
  server = await startS3('baton-files');
  scratch = new S3Scratch('s3://baton-files/run', {
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
});
after(async () => {
  await scratch.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a File goes out to an S3 scratch and comes back with its bytes and its hash', async () => {
  const path = writeIn(dir, 'table.csv', 'id,name\n1,ada\n');
  const staged = (await stageOut([new File(path)], scratch)) as File[];
  assert.match(staged[0]!.staged!.key, /^files\/[0-9a-f]{64}\/table\.csv$/);
  assert.equal(await scratch.exists(staged[0]!.staged!.key), true);
  const local = (await stageIn(staged, scratch, join(dir, 'work'))) as File[];
  assert.equal(await local[0]!.readText(), 'id,name\n1,ada\n');
  assert.equal(hashValue(local[0]), hashValue(new File(path, { hash: 'content' })));
});
