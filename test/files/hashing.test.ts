import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeValue, encodeValue } from '../../src/codec/index.ts';
import { SerializationError, WorkflowError } from '../../src/errors.ts';
import { Dir, File } from '../../src/files/index.ts';
import { hashArgs, hashValue } from '../../src/hash/index.ts';
import { tempDir, writeIn } from './helpers.ts';

const temp = tempDir('hash');
after(temp.remove);
let n = 0;
/** A fresh folder for one test. */
function folder(): string {
  const dir = join(temp.dir, `t${n++}`);
  mkdirSync(dir);
  return dir;
}

/** Sets the modification time to `seconds` after the epoch (fixed, so tests never race the clock). */
function touch(path: string, seconds: number): void {
  utimesSync(path, seconds, seconds);
}

describe('a File hashed by stat', () => {
  test('hashes the same while the file is unchanged, and differently after an edit', () => {
    const path = writeIn(folder(), 'data.csv', 'a,b\n1,2\n');
    const before = hashValue(new File(path));
    assert.equal(hashValue(new File(path)), before);
    writeFileSync(path, 'a,b\n1,2\n3,4\n');
    assert.notEqual(hashValue(new File(path)), before);
  });

  test('a new modification time alone changes the hash', () => {
    const path = writeIn(folder(), 'data.csv', 'same');
    touch(path, 1_000_000);
    const before = hashValue(new File(path));
    touch(path, 2_000_000);
    assert.notEqual(hashValue(new File(path)), before);
  });

  test('is read when the value is hashed, not when it is made', () => {
    const path = writeIn(folder(), 'data.csv', 'one');
    const file = new File(path);
    const first = hashValue(file);
    writeFileSync(path, 'one and two');
    assert.notEqual(hashValue(file), first, 'the same File object sees the edit');
  });

  test('two files with the same size and time still differ by path', () => {
    const dir = folder();
    const a = writeIn(dir, 'a.txt', 'xx');
    const b = writeIn(dir, 'b.txt', 'yy');
    touch(a, 1_000_000);
    touch(b, 1_000_000);
    assert.notEqual(hashValue(new File(a)), hashValue(new File(b)));
  });

  test('a relative path resolves against the working directory when the File is made', () => {
    const file = new File('package.json');
    assert.equal(file.path, join(process.cwd(), 'package.json'));
    assert.equal(file.basename, 'package.json');
  });
});

describe('a File hashed by content', () => {
  test('ignores the modification time and the folder, but not the name or the bytes', () => {
    const dir = folder();
    const path = writeIn(dir, 'data.csv', 'rows');
    const hash = hashValue(new File(path, { hash: 'content' }));
    touch(path, 3_000_000);
    assert.equal(hashValue(new File(path, { hash: 'content' })), hash, 'a touch does not count');

    const elsewhere = join(folder(), 'data.csv');
    copyFileSync(path, elsewhere);
    assert.equal(hashValue(new File(elsewhere, { hash: 'content' })), hash, 'the folder does not count');

    const renamed = writeIn(dir, 'other.csv', 'rows');
    assert.notEqual(hashValue(new File(renamed, { hash: 'content' })), hash, 'the name counts');

    writeFileSync(path, 'rowz');
    assert.notEqual(hashValue(new File(path, { hash: 'content' })), hash, 'the bytes count');
  });

  test('hashes differently from the same file by stat', () => {
    const path = writeIn(folder(), 'x.txt', 'x');
    assert.notEqual(hashValue(new File(path, { hash: 'content' })), hashValue(new File(path)));
  });
});

describe('a File that cannot be hashed', () => {
  test('a missing file is a SerializationError naming the path and what to do', () => {
    const path = join(folder(), 'missing.csv');
    assert.throws(
      () => hashArgs([new File(path)], ['data']),
      (error: unknown) => {
        assert.ok(error instanceof SerializationError);
        assert.match(error.message, /cannot hash File .*missing\.csv: it does not exist/);
        assert.ok(error.message.includes(path));
        assert.match(error.hint ?? '', /create it before the run, or fix the path/);
        return true;
      },
    );
  });

  test('a folder given as a File says to use Dir', () => {
    const dir = folder();
    assert.throws(
      () => hashValue(new File(dir)),
      (error: unknown) => error instanceof SerializationError && /Dir/.test(error.hint ?? ''),
    );
  });

  test('a bad hash option is refused when the File is made', () => {
    assert.throws(() => new File('x', { hash: 'mtime' as never }), /option hash must be 'stat' or 'content'/);
  });

  test('reading a missing file is a WorkflowError naming it', async () => {
    const path = join(folder(), 'gone.txt');
    await assert.rejects(new File(path).readText(), (error: unknown) => {
      assert.ok(error instanceof WorkflowError);
      assert.ok(error.message.includes(path));
      return true;
    });
    assert.equal(await new File(path).exists(), false);
  });
});

describe('a Dir', () => {
  function makeTree(root: string, order: string[]): void {
    mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
    const contents: Record<string, string> = {
      'b.txt': 'b',
      'a.txt': 'a',
      'sub/c.txt': 'c',
      'sub/deeper/d': 'd',
    };
    for (const name of order) writeFileSync(join(root, name), contents[name]!);
  }

  test('hashes by content the same whatever order its files were written in', () => {
    const one = join(folder(), 'tree');
    const two = join(folder(), 'tree');
    makeTree(one, ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deeper/d']);
    makeTree(two, ['sub/deeper/d', 'b.txt', 'sub/c.txt', 'a.txt']);
    assert.equal(hashValue(new Dir(one, { hash: 'content' })), hashValue(new Dir(two, { hash: 'content' })));
  });

  test('an added, edited or touched file below changes the hash by stat', () => {
    const root = join(folder(), 'tree');
    makeTree(root, ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deeper/d']);
    const first = hashValue(new Dir(root));
    assert.equal(hashValue(new Dir(root)), first);
    writeFileSync(join(root, 'sub', 'new.txt'), 'new');
    const second = hashValue(new Dir(root));
    assert.notEqual(second, first);
    touch(join(root, 'sub', 'deeper', 'd'), 4_000_000);
    assert.notEqual(hashValue(new Dir(root)), second);
  });

  test('an edited file below changes the hash by content', () => {
    const root = join(folder(), 'tree');
    makeTree(root, ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deeper/d']);
    const first = hashValue(new Dir(root, { hash: 'content' }));
    writeFileSync(join(root, 'sub', 'c.txt'), 'changed');
    assert.notEqual(hashValue(new Dir(root, { hash: 'content' })), first);
  });

  test('files() lists every file below in path order, hashed as the Dir is', async () => {
    const root = join(folder(), 'tree');
    makeTree(root, ['sub/deeper/d', 'b.txt', 'a.txt', 'sub/c.txt']);
    const files = await new Dir(root, { hash: 'content' }).files();
    assert.deepEqual(
      files.map((file) => file.path.slice(root.length + 1)),
      ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deeper/d'],
    );
    assert.ok(files.every((file) => file instanceof File && file.hashMode === 'content'));
    assert.equal(await new Dir(root).file('sub/c.txt').readText(), 'c');
    assert.throws(() => new Dir(root).file('../escape'), /not a relative path below the folder/);
  });

  test('a missing folder cannot be hashed', () => {
    assert.throws(
      () => hashValue(new Dir(join(folder(), 'nope'))),
      /cannot hash Dir .*nope: it does not exist/,
    );
  });
});

describe('File and Dir through the value codec', () => {
  test('come back as File and Dir with their path and hash mode, and hash the same', () => {
    const dir = folder();
    const path = writeIn(dir, 'in.txt', 'payload');
    const value = {
      file: new File(path, { hash: 'content' }),
      dir: new Dir(dir),
      list: [new File(path)],
      byName: new Map([['in', new File(path)]]),
    };
    const back = decodeValue(encodeValue(value)) as typeof value;
    assert.ok(back.file instanceof File && back.dir instanceof Dir && back.list[0] instanceof File);
    assert.equal(back.file.path, path);
    assert.equal(back.file.hashMode, 'content');
    assert.equal(back.dir.path, dir);
    assert.equal(back.byName.get('in')?.hashMode, 'stat');
    assert.equal(hashValue(back), hashValue(value));
  });

  test('a decoded File reads the file as it is now', async () => {
    const path = writeIn(folder(), 'live.txt', 'before');
    const bytes = encodeValue(new File(path));
    writeFileSync(path, 'after');
    assert.equal(await (decodeValue(bytes) as File).readText(), 'after');
  });
});
