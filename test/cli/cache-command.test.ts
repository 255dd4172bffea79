// `baton cache ls|rm|gc`: entries with their sizes, removal by eval hash, task or age, and freeing
// exactly the values nothing keeps. Real `baton` processes on a real SQLite store.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { executionIdOf, project, type Project } from './helpers.ts';

// big(i) makes a value of 100,007 bytes encoded (kept as a file in .baton/values), small(i) one of a byte
// (named by its bytes, so stored nowhere); main returns only a sentence that counts them (a stored value
// of 44 bytes), so the big values are kept by their cache entries alone.
const WORKFLOW = `import { appendFileSync } from 'node:fs';
import { task } from 'baton';

const ran = (line: string) => appendFileSync(new URL('./ran.txt', import.meta.url), line + '\\n');

export const big = task('big', (i: number) => {
  ran('big ' + i);
  return new Uint8Array(100_000).fill(i + 1);
});
export const small = task('small', (i: number) => {
  ran('small ' + i);
  return i;
});
export const sizes = task(
  'sizes',
  (bigs: Uint8Array[], smalls: number[]) => \`\${bigs.length} big values, \${smalls.length} small values, all counted\`,
);
export const main = task('main', (n: number) =>
  sizes(Array.from({ length: n }, (_, i) => big(i)), Array.from({ length: n }, (_, i) => small(i))),
);
`;

const COUNTED = (n: number) => `${n} big values, ${n} small values, all counted\n`;

interface Listing {
  entries: Array<{ evalHash: string; taskName: string; size: number }>;
  count: number;
  bytes: number;
}

async function listing(p: Project, args: string[] = []): Promise<Listing> {
  const r = await p.baton(['cache', 'ls', '--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Listing;
}

/** The value files in .baton/values. */
function valueFiles(p: Project): string[] {
  const root = join(p.dir, '.baton', 'values');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

describe('baton cache', () => {
  test('ls shows entries with sizes; rm removes by eval hash and task and frees what only they kept', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const first = await p.baton(['run', 'wf.ts', 'main', '--n', '2']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, COUNTED(2));

    const all = await listing(p);
    assert.deepEqual(all.entries.map((e) => e.taskName).sort(), [
      'big',
      'big',
      'main',
      'sizes',
      'small',
      'small',
    ]);
    const bigs = all.entries.filter((e) => e.taskName === 'big');
    assert.deepEqual(
      bigs.map((e) => e.size),
      [100_007, 100_007],
    );
    assert.equal(all.count, 6);
    assert.ok(
      all.bytes > 200_000 && all.bytes < 200_100,
      `${all.bytes} bytes: two big values and small ones`,
    );
    assert.equal(valueFiles(p).length, 2);

    const table = await p.baton(['cache', 'ls', '--task', 'big']);
    assert.match(table.stdout, /^eval hash +task +size +made +execution$/m);
    assert.match(table.stdout, new RegExp(`^${bigs[0]!.evalHash.slice(0, 16)}  big +97\\.7 KiB  `, 'm'));
    assert.match(table.stdout, /^2 cache entries, values of 195\.3 KiB$/m);

    const one = await p.baton(['cache', 'rm', bigs[0]!.evalHash.slice(0, 12)]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout, 'removed 1 cache entry (their calls run again); freed 1 value (97.7 KiB)\n');
    assert.equal(valueFiles(p).length, 1, 'its file is gone');

    const byTask = await p.baton(['cache', 'rm', '--task', 'small']);
    assert.equal(byTask.stdout, 'removed 2 cache entries (their calls run again); no values to free\n');
    assert.equal((await listing(p)).count, 3);

    const again = await p.baton(['run', 'wf.ts', 'main', '--n', '2']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, COUNTED(2));
    assert.equal(p.lines('ran.txt').length, 4, 'main itself is still cached, so nothing below it runs');

    const unknown = await p.baton(['cache', 'rm', 'ffffffffffff']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^baton: no cache entry has an eval hash starting with 'ffffffffffff' — baton cache ls shows the entries\n$/,
    );
    const nothing = await p.baton(['cache', 'rm']);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /^baton: baton cache rm needs the entries to remove — /);
  });

  test('gc frees exactly the values nothing keeps; --older-than lets old entries and results go', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const first = await p.baton(['run', 'wf.ts', 'main', '--n', '3']);
    assert.equal(first.code, 0, first.stderr);
    const id = executionIdOf(first.stderr);

    const nothing = await p.baton(['cache', 'gc']);
    assert.equal(nothing.stdout, 'no values to free\n', 'every value is kept by an entry or a result');

    const dry = await p.baton(['cache', 'gc', '--older-than', '0s', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^would remove 8 cache entries made before .*; no other values to free\n$/);
    assert.equal((await listing(p)).count, 8, 'a dry run removes nothing');

    const gc = await p.baton(['cache', 'gc', '--older-than', '0s', '--json']);
    assert.equal(gc.code, 0, gc.stderr);
    const report = JSON.parse(gc.stdout) as { entries: number; freed: { values: number; bytes: number } };
    assert.equal(report.entries, 8);
    // Three big values and sizes' result (main's too, and the execution's). The small ones were never stored.
    assert.equal(report.freed.values, 4);
    assert.ok(report.freed.bytes > 300_000 && report.freed.bytes < 300_100, `${report.freed.bytes} bytes`);
    assert.equal(valueFiles(p).length, 0);
    assert.equal((await listing(p)).count, 0);
    assert.equal((await p.baton(['cache', 'gc'])).stdout, 'no values to free\n');

    const result = await p.baton(['result', id]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^baton: the result of execution .* is no longer in the store — /);

    const rerun = await p.baton(['run', 'wf.ts', 'main', '--n', '3']);
    assert.equal(rerun.stdout, COUNTED(3));
    assert.equal(p.lines('ran.txt').length, 12, 'every call ran again');
  });
});
