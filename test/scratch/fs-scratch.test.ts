import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ScratchError } from '../../src/errors.ts';
import { sha256 } from '../../src/hash/index.ts';
import { FsScratch, openScratch, scratchLayout } from '../../src/scratch/index.ts';

const base = mkdtempSync(join(tmpdir(), 'baton-scratch-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = () => new FsScratch(join(base, `s${n++}`));
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

describe('a scratch folder', () => {
  test('stores, finds, lists and deletes job files under the layout of DESIGN.md', async () => {
    const scratch = fresh();
    await scratch.check();
    const layout = scratchLayout(scratch.uri);
    const evalHash = sha256('call');
    await scratch.put(layout.job(evalHash, 'input'), bytes('args'));
    await scratch.put(layout.job(evalHash, 'status'), bytes('running'));
    await scratch.put(layout.codePackage(sha256('code')), bytes('tarball'));
    assert.equal(text(await scratch.get(`jobs/${evalHash}/input`)), 'args');
    assert.equal(await scratch.exists(layout.job(evalHash, 'output')), false);
    assert.deepEqual(await scratch.list(layout.jobFolder(evalHash)), [
      `jobs/${evalHash}/input`,
      `jobs/${evalHash}/status`,
    ]);
    assert.deepEqual(await scratch.list('code/'), [`code/${sha256('code')}.tar.gz`]);
    assert.equal(
      scratch.locate(layout.job(evalHash, 'input')),
      join(scratch.root, 'jobs', evalHash, 'input'),
    );
    await scratch.delete(layout.job(evalHash, 'status'));
    await scratch.delete(layout.job(evalHash, 'status'));
    assert.equal(await scratch.get(layout.job(evalHash, 'status')), undefined);
    assert.deepEqual(await scratch.list('nothing/'), []);
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

  test('keys that could leave the folder are refused, naming the key', async () => {
    const scratch = fresh();
    for (const key of ['../outside', '/etc/passwd', 'jobs/../../x', 'jobs/./x', 'a\\b', '', 'jobs//x']) {
      await assert.rejects(scratch.put(key, bytes('x')), (error: unknown) => {
        assert.ok(error instanceof ScratchError, `${key}: ${String(error)}`);
        assert.equal(error.key, key);
        return true;
      });
    }
    assert.equal(existsSync(join(base, 'outside')), false);
    assert.throws(() => scratchLayout().job('../../etc', 'input'), ScratchError);
    assert.throws(() => scratchLayout().codePackage('abc'), /not a sha256/);
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
