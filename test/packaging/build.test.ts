import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExecutorError } from '../../src/errors.ts';
import { buildCodePackage, extractCodePackage } from '../../src/packaging/index.ts';

const HEX64 = /^[0-9a-f]{64}$/;

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

const PROJECT = {
  'package.json': '{"name":"demo"}',
  'package-lock.json': '{}',
  'tsconfig.json': '{}',
  'src/workflow.ts': 'export const a = 1;\n',
  'src/lib/util.mjs': 'export const b = 2;\n',
  'src/data/rows.json': '[1,2,3]',
  'README.md': '# demo',
  'notes.txt': 'not code',
  'node_modules/dep/index.js': 'module.exports = 1;',
  'packages/inner/node_modules/dep/index.js': 'module.exports = 2;',
  '.baton/cache.json': '{}',
  '.git/config.json': '{}',
};

describe('buildCodePackage', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'baton-pack-'));
    await writeTree(root, PROJECT);
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('packs sources, JSON, package.json and the lockfile by default, sorted', async () => {
    const pkg = await buildCodePackage({ root });
    assert.deepEqual(pkg.files, [
      'package-lock.json',
      'package.json',
      'src/data/rows.json',
      'src/lib/util.mjs',
      'src/workflow.ts',
      'tsconfig.json',
    ]);
    assert.match(pkg.hash, HEX64);
  });

  test('never packs node_modules, .baton or .git, even when the include globs name them', async () => {
    const pkg = await buildCodePackage({
      root,
      include: ['**/*', 'node_modules/**', '.baton/**', '.git/**', '**/node_modules/**'],
    });
    assert.ok(pkg.files.includes('README.md'));
    for (const file of pkg.files) {
      assert.doesNotMatch(file, /(^|\/)(node_modules|\.baton|\.git)\//, file);
    }
  });

  test('user include globs replace the defaults and user excludes are added', async () => {
    const onlyText = await buildCodePackage({ root, include: ['**/*.{md,txt}'] });
    assert.deepEqual(onlyText.files, ['README.md', 'notes.txt']);
    const withoutData = await buildCodePackage({ root, exclude: ['src/data/**', 'tsconfig.json'] });
    assert.deepEqual(withoutData.files, [
      'package-lock.json',
      'package.json',
      'src/lib/util.mjs',
      'src/workflow.ts',
    ]);
  });

  test('the same sources give the same bytes, whatever their mtimes and modes', async () => {
    const first = await buildCodePackage({ root });
    const second = await buildCodePackage({ root });
    assert.equal(second.hash, first.hash);
    assert.deepEqual(second.bytes, first.bytes);
    const later = new Date('2031-05-06T07:08:09Z');
    await utimes(join(root, 'src/workflow.ts'), later, later);
    await utimes(join(root, 'package.json'), later, later);
    await chmod(join(root, 'src/lib/util.mjs'), 0o755);
    assert.equal((await buildCodePackage({ root })).hash, first.hash);
  });

  test('the same sources in another folder give the same hash', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'baton-pack-copy-'));
    try {
      await writeTree(copy, PROJECT);
      assert.equal((await buildCodePackage({ root: copy })).hash, (await buildCodePackage({ root })).hash);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  test('editing or adding a file changes the hash, and undoing the edit restores it', async () => {
    const before = (await buildCodePackage({ root })).hash;
    await writeFile(join(root, 'src/workflow.ts'), 'export const a = 2;\n');
    const edited = (await buildCodePackage({ root })).hash;
    assert.notEqual(edited, before);
    await writeFile(join(root, 'src/workflow.ts'), 'export const a = 1;\n');
    assert.equal((await buildCodePackage({ root })).hash, before);
    await writeFile(join(root, 'src/extra.ts'), '');
    assert.notEqual((await buildCodePackage({ root })).hash, before);
    await rm(join(root, 'src/extra.ts'));
  });

  test('a symbolic link to a source file is packed as a plain file with its contents', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'baton-pack-link-'));
    try {
      await writeTree(copy, { 'src/real.ts': 'export const real = 1;\n' });
      await symlink('real.ts', join(copy, 'src/alias.ts'));
      const pkg = await buildCodePackage({ root: copy });
      assert.deepEqual(pkg.files, ['src/alias.ts', 'src/real.ts']);
      const target = join(copy, 'out');
      await extractCodePackage(pkg.bytes, target, pkg.hash);
      assert.ok((await lstat(join(target, 'src/alias.ts'))).isFile());
      assert.equal(await readFile(join(target, 'src/alias.ts'), 'utf8'), 'export const real = 1;\n');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  test('the gzip header carries no time and no OS', async () => {
    const { bytes } = await buildCodePackage({ root });
    assert.deepEqual([...bytes.subarray(0, 3)], [0x1f, 0x8b, 8]);
    assert.deepEqual([...bytes.subarray(4, 8)], [0, 0, 0, 0], 'mtime');
    assert.equal(bytes[9], 255, 'OS byte');
  });

  test('a root that is not a folder, or nothing to pack, is a typed error naming the root', async () => {
    const missing = join(root, 'missing');
    await assert.rejects(buildCodePackage({ root: missing }), (error: unknown) => {
      assert.ok(error instanceof ExecutorError);
      assert.match(error.message, /missing is not a folder/);
      return true;
    });
    await assert.rejects(buildCodePackage({ root, include: ['**/*.py'] }), (error: unknown) => {
      assert.ok(error instanceof ExecutorError);
      assert.ok(error.message.includes(root));
      assert.match(error.hint ?? '', /\*\*\/\*\.py/);
      return true;
    });
  });
});
