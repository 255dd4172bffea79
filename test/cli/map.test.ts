import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { MapStatusSnapshot } from '../../src/map/index.ts';
import { executionIdOf, project, type Project } from './helpers.ts';

const SQUARES = ['map', '--expression', 'x => x ** 2', '--over', 'Array.from({ length: 10 }, (_, i) => i)'];

function statusOf(p: Project, relativePath: string): MapStatusSnapshot {
  return JSON.parse(p.read(relativePath)) as MapStatusSnapshot;
}

describe('baton map', () => {
  test('maps an expression over --over, prints JSON lines in order and writes the status files', async (t) => {
    const p = project(t);
    const r = await p.baton(SQUARES);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trim().split('\n').map(Number),
      Array.from({ length: 10 }, (_, i) => i ** 2),
    );
    const id = executionIdOf(r.stderr);
    const status = statusOf(p, `.baton/map-status/${id}.json`);
    assert.equal(status.state, 'done');
    assert.equal(status.executionId, id);
    assert.equal(status.title, 'x => x ** 2');
    assert.equal(status.allRead, true);
    assert.deepEqual(
      { items: status.counts.items, done: status.counts.done, failed: status.counts.failed },
      { items: 10, done: 10, failed: 0 },
    );
    assert.deepEqual(
      status.items.map((item) => [item.index, item.state, item.item]),
      Array.from({ length: 10 }, (_, i) => [i, 'done', String(i)]),
    );
    assert.ok(status.items.every((item) => item.attempts === 1));
    const ran = status.histogram.reduce((sum, bucket) => sum + bucket.count, 0);
    assert.equal(ran, 10, 'every job that ran is in the runtime histogram');
    const page = p.read(`.baton/map-status/${id}.html`);
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /x =&#62; x \*\* 2/, 'the expression is shown, escaped');
    assert.doesNotMatch(page, /<(script|link|img)[^>]+(src|href)=/, 'nothing is fetched');
    assert.doesNotMatch(page, /http-equiv="refresh"/, 'a finished page does not reload');
  });

  test('a re-run is served from the cache and writes --out jsonl with its status next to it', async (t) => {
    const p = project(t);
    assert.equal((await p.baton(SQUARES)).code, 0);
    const again = await p.baton([...SQUARES, '--out', 'squares.jsonl']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '', 'results go to the file, not stdout');
    assert.match(again.stderr, /0 ran, 10 cached/);
    assert.equal(p.read('squares.jsonl'), `${Array.from({ length: 10 }, (_, i) => i ** 2).join('\n')}\n`);
    const status = statusOf(p, 'squares.jsonl.status.json');
    assert.equal(status.counts.cached, 10);
    assert.ok(status.items.every((item) => item.state === 'cached' && item.attempts === 0));
    assert.ok(existsSync(join(p.dir, 'squares.jsonl.status.html')));
  });

  test('maps over a .jsonl input in chunks into a .csv of objects, with a resume key naming the status', async (t) => {
    const p = project(t);
    p.write(
      'items.jsonl',
      ['{"name":"a","n":1}', '', '{"name":"b, c","n":2}', '{"name":"d\\"e","n":3}'].join('\n'),
    );
    const r = await p.baton([
      'map',
      '--expression',
      'row => ({ name: row.name, twice: row.n * 2 })',
      '--input',
      'items.jsonl',
      '--out',
      'out.csv',
      '--chunk-size',
      '2',
      '--resume-key',
      'rows',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(p.read('out.csv'), 'name,twice\na,2\n"b, c",4\n"d""e",6\n');
    const status = statusOf(p, 'out.csv.status.json');
    assert.equal(status.resumeKey, 'rows');
    assert.equal(status.counts.done, 3);
    assert.deepEqual(
      status.items.map((item) => item.item),
      ['{"name":"a","n":1}', '{"name":"b, c","n":2}', '{"name":"d\\"e","n":3}'],
    );
  });

  test('--unordered writes each result as it finishes, with its index: a slow first item comes last', async (t) => {
    const p = project(t);
    // Item 0 sleeps 1.5 s; the others are quick, so in completion order it is written after them.
    const slowFirst = [
      'map',
      '--expression',
      'async (x) => { await new Promise((r) => setTimeout(r, x === 0 ? 1500 : 0)); return { square: x * x }; }',
      '--over',
      'Array.from({ length: 6 }, (_, i) => i)',
      '--unordered',
    ];
    const lines = await p.baton(slowFirst);
    assert.equal(lines.code, 0, lines.stderr);
    const written = lines.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; result: { square: number } });
    assert.deepEqual(written.at(-1), { index: 0, result: { square: 0 } });
    assert.deepEqual(
      written.map((line) => [line.index, line.result.square]).sort(([a], [b]) => a! - b!),
      Array.from({ length: 6 }, (_, i) => [i, i * i]),
    );
    const csv = await p.baton([...slowFirst, '--out', 'squares.csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = p.read('squares.csv').trim().split('\n');
    assert.equal(rows[0], 'index,square');
    assert.deepEqual(rows.slice(1).sort(), Array.from({ length: 6 }, (_, i) => `${i},${i * i}`).sort());
  });

  test('maps over .csv rows as objects keyed by the header, scalars into one csv column', async (t) => {
    const p = project(t);
    p.write('rows.csv', 'city,people\nOslo,700000\n"Rio, BR","6,7 M"\n"two\nlines",1\n');
    const toJson = await p.baton(['map', '--expression', 'row => row', '--input', 'rows.csv']);
    assert.equal(toJson.code, 0, toJson.stderr);
    assert.deepEqual(
      toJson.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
      [
        { city: 'Oslo', people: '700000' },
        { city: 'Rio, BR', people: '6,7 M' },
        { city: 'two\nlines', people: '1' },
      ],
    );
    const toCsv = await p.baton([
      'map',
      '--expression',
      'row => row.city.length',
      '--input',
      'rows.csv',
      '--out',
      'lengths.csv',
      '--resume-key',
      'lengths',
    ]);
    assert.equal(toCsv.code, 0, toCsv.stderr);
    assert.equal(p.read('lengths.csv'), 'result\n4\n7\n9\n');
  });
});

describe('baton map: bad input', () => {
  test('an expression that does not parse names --expression and shows the parser message; nothing runs', async (t) => {
    const p = project(t);
    const r = await p.baton(['map', '--expression', 'x => x +* 2', '--over', '[1]']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^baton: --expression does not parse: SyntaxError: Unexpected token '\*'/);
    assert.match(r.stderr, /x => x \+\* 2\n\s+\^/, 'the source line and the caret');
    assert.equal(existsSync(join(p.dir, '.baton')), false);
  });

  test('an --over that is not iterable, or a missing option, is said before any work', async (t) => {
    const p = project(t);
    const number = await p.baton(['map', '--expression', 'x => x', '--over', '6 * 7']);
    assert.equal(number.code, 1);
    assert.match(
      number.stderr,
      /^baton: --over is not iterable \(it evaluates to a number\) — give an array/,
    );
    const both = await p.baton(['map', '--expression', 'x => x']);
    assert.match(both.stderr, /^baton: baton map needs the items: give --over EXPR or --input FILE/);
    const notFunction = await p.baton(['map', '--expression', '[1]', '--over', '[1]']);
    assert.match(notFunction.stderr, /^baton: --expression is not a function \(it evaluates to an array\)/);
    assert.equal(existsSync(join(p.dir, '.baton')), false);
  });

  test('an output path that cannot be written is said before any work starts', async (t) => {
    const p = project(t);
    const r = await p.baton([...SQUARES, '--out', 'missing/folder/out.csv']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^baton: --out missing\/folder\/out.csv cannot be written: ENOENT/);
    assert.match(r.stderr, /nothing has run/);
    assert.equal(existsSync(join(p.dir, '.baton')), false, 'no store was opened');
    const wrongKind = await p.baton([...SQUARES, '--out', 'out.txt']);
    assert.match(wrongKind.stderr, /^baton: --out out.txt: expected a .csv or .jsonl file/);
  });

  test('an expression that throws fails with the item and its error; results before it are written', async (t) => {
    const p = project(t);
    const r = await p.baton([
      'map',
      '--expression',
      'x => { if (x.n === 3) throw new RangeError("three is bad"); return x.n }',
      '--over',
      '[1, 2, 3, 4].map((n) => ({ n }))',
      '--out',
      'out.jsonl',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^baton: task baton\.map\.expression failed at item 2 \(\{"n":3\}\): RangeError: three is bad/m,
    );
    assert.equal(p.read('out.jsonl'), '1\n2\n');
    const status = statusOf(p, 'out.jsonl.status.json');
    assert.equal(status.state, 'failed');
    assert.equal(status.counts.failed, 1);
    assert.match(status.items.find((item) => item.index === 2)?.error ?? '', /RangeError: three is bad/);
  });

  test('a bad row of an input file is reported by its line number, after the rows before it', async (t) => {
    const p = project(t);
    p.write('items.jsonl', '1\n2\n{oops\n4\n');
    const jsonl = await p.baton(['map', '--expression', 'x => x * 10', '--input', 'items.jsonl']);
    assert.equal(jsonl.code, 1);
    assert.equal(jsonl.stdout, '10\n20\n');
    assert.match(jsonl.stderr, /^baton: --input items\.jsonl line 3 is not JSON: /m);
    p.write('rows.csv', 'a,b\n1,2\n3\n');
    const csv = await p.baton(['map', '--expression', 'row => row.a', '--input', 'rows.csv']);
    assert.equal(csv.code, 1);
    assert.match(csv.stderr, /^baton: --input rows\.csv line 3 has 1 fields where the header has 2/m);
    const missing = await p.baton(['map', '--expression', 'x => x', '--input', 'nope.jsonl']);
    assert.match(missing.stderr, /^baton: --input nope\.jsonl cannot be read: ENOENT/);
    assert.deepEqual(
      readdirSync(join(p.dir, '.baton', 'map-status')).length,
      4,
      'two failed maps, json and html',
    );
  });
});
