import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExecutorError } from '../../src/errors.ts';
import {
  buildCodePackage,
  fetchCodePackage,
  publishCodePackage,
  type CodePackage,
} from '../../src/packaging/index.ts';
import { FsScratch, scratchLayout } from '../../src/scratch/index.ts';

describe('code packages through scratch', () => {
  let base: string;
  let pkg: CodePackage;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'baton-publish-'));
    await mkdir(join(base, 'project', 'src'), { recursive: true });
    await writeFile(join(base, 'project', 'package.json'), '{"name":"demo"}');
    await writeFile(join(base, 'project', 'src', 'workflow.ts'), 'export const answer = 42;\n');
    pkg = await buildCodePackage({ root: join(base, 'project') });
  });
  after(() => rm(base, { recursive: true, force: true }));

  test('is uploaded once per content hash', async () => {
    const scratch = new FsScratch(join(base, 'scratch-once'));
    const first = await publishCodePackage(scratch, pkg);
    assert.deepEqual(first, { key: `code/${pkg.hash}.tar.gz`, uploaded: true });
    assert.deepEqual(await publishCodePackage(scratch, pkg), { key: first.key, uploaded: false });
    assert.deepEqual(await scratch.list('code/'), [first.key]);
  });

  test('is fetched and extracted once per machine, then reused from its folder', async () => {
    const scratch = new FsScratch(join(base, 'scratch-fetch'));
    await publishCodePackage(scratch, pkg);
    const cache = join(base, 'cache-fetch');
    const folder = await fetchCodePackage(scratch, pkg.hash, cache);
    assert.equal(folder, join(cache, pkg.hash));
    assert.equal(await readFile(join(folder, 'src', 'workflow.ts'), 'utf8'), 'export const answer = 42;\n');
    // Gone from scratch: the second fetch must not need it.
    await scratch.delete(scratchLayout().codePackage(pkg.hash));
    assert.equal(await fetchCodePackage(scratch, pkg.hash, cache), folder);
  });

  test('jobs fetching the same package at once all get the one folder', async () => {
    const scratch = new FsScratch(join(base, 'scratch-race'));
    await publishCodePackage(scratch, pkg);
    const cache = join(base, 'cache-race');
    const folders = await Promise.all(
      Array.from({ length: 6 }, () => fetchCodePackage(scratch, pkg.hash, cache)),
    );
    assert.deepEqual(new Set(folders), new Set([join(cache, pkg.hash)]));
    assert.deepEqual(await readdir(cache), [pkg.hash], 'no half-extracted folder is left behind');
  });

  test('a package missing from scratch is an error naming the hash and the scratch', async () => {
    const scratch = new FsScratch(join(base, 'scratch-empty'));
    await assert.rejects(fetchCodePackage(scratch, pkg.hash, join(base, 'cache-empty')), (error: unknown) => {
      assert.ok(error instanceof ExecutorError);
      assert.match(error.message, new RegExp(`code package ${pkg.hash} is not in scratch .*scratch-empty`));
      return true;
    });
  });

  test('a package changed in scratch is refused and nothing is extracted', async () => {
    const scratch = new FsScratch(join(base, 'scratch-tampered'));
    const tampered = new Uint8Array(pkg.bytes);
    tampered[tampered.length - 20]! ^= 0xff;
    await scratch.put(scratchLayout().codePackage(pkg.hash), tampered);
    const cache = join(base, 'cache-tampered');
    await assert.rejects(fetchCodePackage(scratch, pkg.hash, cache), ExecutorError);
    assert.deepEqual(await readdir(cache).catch(() => []), []);
  });
});
