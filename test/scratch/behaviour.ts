// What every Scratch does, run against each implementation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScratchError } from '../../src/errors.ts';
import { sha256 } from '../../src/hash/index.ts';
import { scratchLayout, type Scratch } from '../../src/scratch/index.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

export function scratchBehaviour(name: string, fresh: () => Scratch): void {
  describe(name, () => {
    test('stores, finds, lists and deletes job files under the layout of DESIGN.md', async () => {
      const scratch = fresh();
      await scratch.check();
      const layout = scratchLayout(scratch.uri);
      const evalHash = sha256('call');
      await scratch.put(layout.job(evalHash, 'input'), bytes('args'));
      await scratch.put(layout.job(evalHash, 'status'), bytes('running'));
      await scratch.put(layout.codePackage(sha256('code')), bytes('tarball'));
      assert.equal(text(await scratch.get(`jobs/${evalHash}/input`)), 'args');
      assert.equal(await scratch.exists(layout.job(evalHash, 'input')), true);
      assert.equal(await scratch.exists(layout.job(evalHash, 'output')), false);
      assert.equal(await scratch.get(layout.job(evalHash, 'output')), undefined);
      assert.deepEqual(await scratch.list(layout.jobFolder(evalHash)), [
        `jobs/${evalHash}/input`,
        `jobs/${evalHash}/status`,
      ]);
      assert.deepEqual(await scratch.list('code/'), [`code/${sha256('code')}.tar.gz`]);
      await scratch.delete(layout.job(evalHash, 'status'));
      await scratch.delete(layout.job(evalHash, 'status'));
      assert.equal(await scratch.get(layout.job(evalHash, 'status')), undefined);
      assert.deepEqual(await scratch.list('nothing/'), []);
    });

    test('a write replaces the whole value', async () => {
      const scratch = fresh();
      await scratch.put('jobs/x/output', bytes('first, longer value'));
      await scratch.put('jobs/x/output', bytes('second'));
      assert.equal(text(await scratch.get('jobs/x/output')), 'second');
      await scratch.put('jobs/x/empty', new Uint8Array(0));
      assert.equal((await scratch.get('jobs/x/empty'))?.byteLength, 0);
    });

    test('keys that could leave the scratch are refused, naming the key', async () => {
      const scratch = fresh();
      for (const key of ['../outside', '/etc/passwd', 'jobs/../../x', 'jobs/./x', 'a\\b', '', 'jobs//x']) {
        await assert.rejects(scratch.put(key, bytes('x')), (error: unknown) => {
          assert.ok(error instanceof ScratchError, `${key}: ${String(error)}`);
          assert.equal(error.key, key);
          return true;
        });
      }
      assert.throws(() => scratchLayout().job('../../etc', 'input'), ScratchError);
      assert.throws(() => scratchLayout().codePackage('abc'), /not a sha256/);
    });
  });
}
