import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeValue, encodeValue } from '../../src/codec/index.ts';
import { ScratchError } from '../../src/errors.ts';
import { stagedDir } from '../../src/files/dir.ts';
import { Dir, File, fileKey, stageIn, stageOut } from '../../src/files/index.ts';
import { hashValue } from '../../src/hash/index.ts';
import { FsScratch, type Scratch } from '../../src/scratch/index.ts';
import { tempDir, writeIn } from './helpers.ts';

const temp = tempDir('stage');
after(temp.remove);
let n = 0;
function folder(name = `t${n++}`): string {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** An FsScratch that counts its puts and gets. */
function countingScratch(): { scratch: Scratch; puts: string[]; gets: string[] } {
  const inner = new FsScratch(folder());
  const puts: string[] = [];
  const gets: string[] = [];
  const scratch: Scratch = {
    uri: inner.uri,
    check: () => inner.check(),
    put: (key, bytes) => (puts.push(key), inner.put(key, bytes)),
    get: (key) => (gets.push(key), inner.get(key)),
    exists: (key) => inner.exists(key),
    list: (prefix) => inner.list(prefix),
    delete: (key) => inner.delete(key),
    locate: (key) => inner.locate(key),
  };
  return { scratch, puts, gets };
}

describe('stageOut', () => {
  test('uploads every File inside arrays, objects, Maps and Sets under a content key, and points the copies there', async () => {
    const dir = folder();
    const a = new File(writeIn(dir, 'a.csv', 'alpha'));
    const b = new File(writeIn(dir, 'b.csv', 'beta'), { hash: 'content' });
    const value = { list: [a, 1, 'x'], nested: { b }, byName: new Map([['a', a]]), set: new Set([b]) };
    const { scratch, puts } = countingScratch();

    const staged = (await stageOut(value, scratch)) as typeof value;

    const stagedA = staged.list[0] as File;
    assert.equal(stagedA.isLocal, false);
    assert.equal(stagedA.path, a.path, 'the original path is kept');
    assert.equal(stagedA.staged?.scratch, scratch.uri);
    assert.match(stagedA.staged?.key ?? '', /^files\/[0-9a-f]{64}\/a\.csv$/);
    assert.equal(Buffer.from((await scratch.get(stagedA.staged!.key))!).toString(), 'alpha');
    assert.equal(staged.byName.get('a'), stagedA, 'a shared File stays shared');
    assert.equal([...staged.set][0], staged.nested.b);
    assert.deepEqual(staged.list.slice(1), [1, 'x']);
    assert.equal(value.list[0], a, 'the original value is untouched');
    assert.deepEqual(puts.sort(), [stagedA.staged!.key, staged.nested.b.staged!.key].sort());
  });

  test('a staged File hashes as the local file does by content', async () => {
    const path = writeIn(folder(), 'data.csv', 'rows');
    const { scratch } = countingScratch();
    const staged = (await stageOut(new File(path), scratch)) as File;
    assert.equal(hashValue(staged), hashValue(new File(path, { hash: 'content' })));
  });

  test('skips the upload when the key is in scratch already, and uploads equal files once', async () => {
    const one = writeIn(folder(), 'same.txt', 'same bytes');
    const two = writeIn(folder(), 'same.txt', 'same bytes');
    const { scratch, puts } = countingScratch();
    await stageOut([new File(one), new File(two)], scratch);
    assert.equal(puts.length, 1, 'two files with one name and content: one upload');
    await stageOut(new File(one), scratch);
    assert.equal(puts.length, 1, 'the second stageOut finds the key and skips the upload');
  });

  test('gives back the very value when it holds no local File', async () => {
    const { scratch, puts } = countingScratch();
    const value = { a: [1, 2], b: 'text' };
    assert.equal(await stageOut(value, scratch), value);
    assert.equal(puts.length, 0);
  });

  test('names keys by content with a safe name', () => {
    const sha = 'a'.repeat(64);
    assert.equal(fileKey(sha, 'my data (1).csv'), `files/${sha}/my_data__1_.csv`);
    assert.equal(fileKey(sha, '..'), `files/${sha}/file`);
  });
});

describe('stageIn', () => {
  test('downloads staged Files into the work folder once, as local Files that hash the same', async () => {
    const path = writeIn(folder(), 'input.txt', 'hello from afar');
    const { scratch, gets } = countingScratch();
    const staged = (await stageOut({ input: new File(path), again: new File(path) }, scratch)) as {
      input: File;
      again: File;
    };
    const through = decodeValue(encodeValue(staged)) as typeof staged;
    assert.equal(through.input.staged?.key, staged.input.staged?.key, 'the location survives the codec');

    const workDir = folder();
    const local = (await stageIn(through, scratch, workDir)) as typeof staged;
    assert.equal(local.input.isLocal, true);
    assert.ok(local.input.path.startsWith(workDir));
    assert.equal(local.input.basename, 'input.txt');
    assert.equal(await local.input.readText(), 'hello from afar');
    assert.equal(local.input.hashMode, 'content');
    assert.equal(hashValue(local.input), hashValue(staged.input));
    assert.equal(hashValue(local.input), hashValue(new File(path, { hash: 'content' })));
    assert.equal(gets.length, 1, 'two Files with one key: one download');

    await stageIn(through, scratch, workDir);
    assert.equal(gets.length, 1, 'a key already in the work folder is not downloaded again');
  });

  test('a Dir goes out and comes back with every file, and hashes the same throughout', async () => {
    const root = folder('tree-src/data');
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'a.txt'), 'a');
    writeFileSync(join(root, 'sub', 'b.txt'), 'b');
    const { scratch } = countingScratch();
    const staged = (await stageOut(new Dir(root), scratch)) as Dir;
    assert.equal(staged.isLocal, false);
    assert.deepEqual(
      staged.staged?.entries.map((entry) => entry.path),
      ['a.txt', 'sub/b.txt'],
    );
    assert.equal(hashValue(staged), hashValue(new Dir(root, { hash: 'content' })));
    assert.deepEqual(
      (await staged.files()).map((file) => file.staged?.key.split('/')[2]),
      ['a.txt', 'b.txt'],
    );

    const local = (await stageIn(staged, scratch, folder())) as Dir;
    assert.equal(local.basename, 'data');
    assert.equal(readFileSync(join(local.path, 'sub', 'b.txt'), 'utf8'), 'b');
    assert.equal(hashValue(local), hashValue(staged));
  });

  test('bytes that do not match their key are refused', async () => {
    const path = writeIn(folder(), 'x.txt', 'original');
    const { scratch } = countingScratch();
    const staged = (await stageOut(new File(path), scratch)) as File;
    await scratch.put(staged.staged!.key, new TextEncoder().encode('tampered'));
    await assert.rejects(stageIn(staged, scratch, folder()), (error: unknown) => {
      assert.ok(error instanceof ScratchError);
      assert.match(error.message, /do not match their sha256/);
      assert.equal(error.key, staged.staged!.key);
      return true;
    });
  });

  test('a key gone from scratch is a ScratchError naming it', async () => {
    const path = writeIn(folder(), 'y.txt', 'soon gone');
    const { scratch } = countingScratch();
    const staged = (await stageOut(new File(path), scratch)) as File;
    await scratch.delete(staged.staged!.key);
    await assert.rejects(stageIn(staged, scratch, folder()), (error: unknown) => {
      return (
        error instanceof ScratchError &&
        error.key === staged.staged!.key &&
        /not in scratch/.test(error.message)
      );
    });
  });

  test('a Dir entry that would leave the folder is refused', async () => {
    const { scratch } = countingScratch();
    const sha = 'b'.repeat(64);
    const hostile = stagedDir('/somewhere/data', 'content', {
      scratch: scratch.uri,
      entries: [{ path: '../../escape.txt', key: `files/${sha}/escape.txt`, sha256: sha, size: 1 }],
    });
    await assert.rejects(stageIn(hostile, scratch, folder()), /leaves the folder/);
  });
});
