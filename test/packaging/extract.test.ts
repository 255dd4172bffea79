import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ExecutorError } from '../../src/errors.ts';
import { buildCodePackage, extractCodePackage, verifyCodePackage } from '../../src/packaging/index.ts';
import { craftArchive, type CraftedEntry } from './hostile-archives.ts';

const FILES: Record<string, string> = {
  'package.json': '{"name":"demo","type":"module"}',
  'src/workflow.ts': 'export const answer = 42;\n',
  'src/deep/er/still.json': '{"é":"ü"}',
  'src/empty.js': '',
};

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'baton-extract-'));
});
after(() => rm(work, { recursive: true, force: true }));

async function project(): Promise<string> {
  const root = await mkdtemp(join(work, 'project-'));
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe('verifyCodePackage', () => {
  test('accepts the bytes the hash was made from', async () => {
    const pkg = await buildCodePackage({ root: await project() });
    verifyCodePackage(pkg.bytes, pkg.hash);
  });

  test('rejects a tampered archive, naming the expected and the actual hash', async () => {
    const pkg = await buildCodePackage({ root: await project() });
    const tampered = pkg.bytes.slice();
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 1;
    assert.throws(
      () => verifyCodePackage(tampered, pkg.hash),
      (error: unknown) => {
        assert.ok(error instanceof ExecutorError);
        assert.ok(error.message.includes(pkg.hash));
        assert.match(error.message, /hash to [0-9a-f]{64}/);
        assert.match(error.hint ?? '', /scratch/);
        return true;
      },
    );
  });

  test('rejects a hash that is not a sha256 hex digest', () => {
    assert.throws(() => verifyCodePackage(new Uint8Array(), 'abc'), ExecutorError);
  });
});

describe('extractCodePackage', () => {
  test('a round trip gives the same files with the same contents', async () => {
    const pkg = await buildCodePackage({ root: await project() });
    const target = join(work, 'round-trip', pkg.hash);
    const extracted = await extractCodePackage(pkg.bytes, target, pkg.hash);
    assert.equal(extracted.target, target);
    assert.deepEqual(extracted.files, pkg.files);
    for (const [path, text] of Object.entries(FILES)) {
      assert.equal(await readFile(join(target, path), 'utf8'), text, path);
    }
    assert.deepEqual(await readdir(dirname(target)), [pkg.hash], 'no temporary folder is left beside it');
  });

  test('refuses a tampered archive before writing anything', async () => {
    const pkg = await buildCodePackage({ root: await project() });
    const parent = join(work, 'tampered');
    const tampered = pkg.bytes.slice();
    tampered[12] = (tampered[12] ?? 0) ^ 0xff;
    await assert.rejects(extractCodePackage(tampered, join(parent, 'code'), pkg.hash), ExecutorError);
    await assert.rejects(stat(parent), { code: 'ENOENT' });
  });

  test('refuses a target that already holds something, and leaves it as it was', async () => {
    const pkg = await buildCodePackage({ root: await project() });
    const target = join(work, 'occupied', 'code');
    await mkdir(target, { recursive: true });
    await writeFile(join(target, 'mine.txt'), 'keep');
    await assert.rejects(extractCodePackage(pkg.bytes, target, pkg.hash), /already exists/);
    assert.deepEqual(await readdir(target), ['mine.txt']);
    assert.deepEqual(await readdir(dirname(target)), ['code']);
  });
});

describe('extractCodePackage: hostile archives', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(work, 'hostile-'));
  });

  const cases: Array<{ name: string; entries: CraftedEntry[]; bad: string; reason: RegExp }> = [
    {
      name: 'a path with ..',
      entries: [
        { path: 'ok.ts', data: 'fine' },
        { path: '../escape.txt', data: 'out' },
      ],
      bad: '../escape.txt',
      reason: /'\.\.' segment/,
    },
    {
      name: 'a .. hidden inside the path',
      entries: [{ path: 'src/../../escape.txt', data: 'out' }],
      bad: 'src/../../escape.txt',
      reason: /'\.\.' segment/,
    },
    {
      name: 'an absolute path',
      entries: [{ path: '/abs.txt', data: 'out' }],
      bad: '/abs.txt',
      reason: /absolute/,
    },
    {
      name: 'a Windows drive path',
      entries: [{ path: 'C:/abs.txt', data: 'out' }],
      bad: 'C:/abs.txt',
      reason: /absolute/,
    },
    {
      name: 'a pax header that rewrites an innocent path to ../',
      entries: [{ path: 'innocent.txt', paxPath: '../pax-escape.txt', data: 'out' }],
      bad: '../pax-escape.txt',
      reason: /'\.\.' segment/,
    },
    {
      name: 'a symbolic link to /etc',
      entries: [{ path: 'etc', type: 'SymbolicLink', linkpath: '/etc' }],
      bad: 'etc',
      reason: /symbolic link \(to \/etc\)/,
    },
    {
      name: 'a symbolic link to ../.. followed by a file through it',
      entries: [
        { path: 'up', type: 'SymbolicLink', linkpath: '../..' },
        { path: 'up/escape.txt', data: 'out' },
      ],
      bad: 'up',
      reason: /symbolic link/,
    },
    {
      name: 'a symbolic link that stays inside',
      entries: [
        { path: 'a.ts', data: 'x' },
        { path: 'b.ts', type: 'SymbolicLink', linkpath: 'a.ts' },
      ],
      bad: 'b.ts',
      reason: /symbolic link/,
    },
    {
      name: 'a hard link outside',
      entries: [{ path: 'passwd', type: 'Link', linkpath: '/etc/passwd' }],
      bad: 'passwd',
      reason: /hard link/,
    },
    {
      name: 'a hard link through ..',
      entries: [{ path: 'h', type: 'Link', linkpath: '../outside.txt' }],
      bad: 'h',
      reason: /hard link/,
    },
    {
      name: 'a character device',
      entries: [{ path: 'null', type: 'CharacterDevice' }],
      bad: 'null',
      reason: /CharacterDevice/,
    },
    { name: 'a FIFO', entries: [{ path: 'pipe', type: 'FIFO' }], bad: 'pipe', reason: /FIFO/ },
    {
      name: 'the same path twice',
      entries: [
        { path: 'a.ts', data: 'one' },
        { path: './a.ts', data: 'two' },
      ],
      bad: './a.ts',
      reason: /twice/,
    },
  ];

  for (const { name, entries, bad, reason } of cases) {
    test(`refuses ${name}, naming the entry, and writes nothing`, async () => {
      const { bytes, hash } = craftArchive(entries);
      const target = join(parent, 'target');
      await assert.rejects(extractCodePackage(bytes, target, hash), (error: unknown) => {
        assert.ok(error instanceof ExecutorError, String(error));
        assert.ok(error.message.includes(JSON.stringify(bad)), error.message);
        assert.match(error.message, reason);
        return true;
      });
      assert.deepEqual(await readdir(parent), [], 'nothing beside the target, and no target');
      await assert.rejects(stat(join(work, 'escape.txt')), { code: 'ENOENT' });
      await assert.rejects(stat(join(work, 'pax-escape.txt')), { code: 'ENOENT' });
    });
  }

  test('refuses bytes that are not a tar archive', async () => {
    const { createHash } = await import('node:crypto');
    const bytes = new TextEncoder().encode(
      'not an archive at all, but long enough to look like one? '.repeat(20),
    );
    const hash = createHash('sha256').update(bytes).digest('hex');
    await assert.rejects(extractCodePackage(bytes, join(parent, 'target'), hash), /not a readable \.tar\.gz/);
    assert.deepEqual(await readdir(parent), []);
  });

  test('a failure halfway through writing leaves nothing behind', async () => {
    // Both paths pass the checks, but `a` cannot be a file and a folder at once.
    const { bytes, hash } = craftArchive([
      { path: 'a', data: 'file' },
      { path: 'a/b.ts', data: 'under a file' },
    ]);
    await assert.rejects(extractCodePackage(bytes, join(parent, 'target'), hash), (error: unknown) => {
      assert.ok(error instanceof ExecutorError);
      assert.match(error.message, /could not extract code package/);
      return true;
    });
    assert.deepEqual(await readdir(parent), []);
  });

  test('an honest crafted archive with plain files and folders extracts', async () => {
    const { bytes, hash } = craftArchive([
      { path: 'src/', type: 'Directory' },
      { path: 'src/a.ts', data: 'export {};' },
    ]);
    const { files, target } = await extractCodePackage(bytes, join(parent, 'target'), hash);
    assert.deepEqual(files, ['src/a.ts']);
    assert.equal(await readFile(join(target, 'src/a.ts'), 'utf8'), 'export {};');
  });
});
