import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ScratchError } from '../../src/errors.ts';
import { FsScratch, openScratch } from '../../src/scratch/index.ts';
import { scratchBehaviour } from './behaviour.ts';

const base = mkdtempSync(join(tmpdir(), 'baton-scratch-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = () => new FsScratch(join(base, `s${n++}`));
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

scratchBehaviour('a scratch folder', fresh);

describe('a scratch folder, on disk', () => {
  test('gives the path of a key to jobs that share the filesystem', () => {
    const scratch = fresh();
    assert.equal(scratch.locate('jobs/a/input'), join(scratch.root, 'jobs', 'a', 'input'));
  });

  test('a write replaces the whole file and leaves no temporary file behind', async () => {
    const scratch = fresh();
    await scratch.put('jobs/x/output', bytes('first, longer value'));
    await scratch.put('jobs/x/output', bytes('second'));
    assert.equal(text(await scratch.get('jobs/x/output')), 'second');
    assert.deepEqual(readdirSync(join(scratch.root, 'jobs', 'x')), ['output']);
  });

  test('a half-written file is not listed', async () => {
    const scratch = fresh();
    await scratch.put('jobs/y/input', bytes('in'));
    writeFileSync(join(scratch.root, 'jobs', 'y', 'output.abc123.partial'), 'half');
    assert.deepEqual(await scratch.list('jobs/'), ['jobs/y/input']);
  });

  test('an unwritable folder fails check() with its path and the reason', async (t) => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: use a path below a regular file instead, which nobody can create.
      const file = join(base, 'a-file');
      writeFileSync(file, 'not a folder');
      const scratch = new FsScratch(join(file, 'scratch'));
      await assert.rejects(scratch.check(), (error: unknown) => {
        assert.ok(error instanceof ScratchError);
        assert.match(error.message, /cannot use scratch folder .*a-file\/scratch: (ENOTDIR|EEXIST)/);
        assert.equal(error.uri, scratch.uri);
        return true;
      });
      return;
    }
    const locked = join(base, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    t.after(() => chmodSync(locked, 0o700));
    const scratch = new FsScratch(join(locked, 'scratch'));
    await assert.rejects(scratch.check(), /cannot use scratch folder .*EACCES/);
  });
});

describe('openScratch', () => {
  test('takes a folder path relative to the project, or a file:// URL', () => {
    const relative = openScratch('scratch-here', { cwd: base });
    assert.ok(relative instanceof FsScratch);
    assert.equal(relative.root, join(base, 'scratch-here'));
    const url = openScratch(`file://${join(base, 'by-url')}`);
    assert.ok(url instanceof FsScratch);
    assert.equal(url.root, join(base, 'by-url'));
  });

  test('refuses a scheme it does not know, by name', () => {
    assert.throws(
      () => openScratch('gs://bucket/prefix'),
      (error: unknown) => {
        assert.ok(error instanceof ScratchError);
        assert.match(error.message, /gs:\/\/ scheme is not supported/);
        assert.equal(error.uri, 'gs://bucket/prefix');
        return true;
      },
    );
  });
});
