// The argument previews recorded with every execution and job: JSON-like, single-line, bounded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { preview } from '../../src/scheduler/preview.ts';

describe('argument previews', () => {
  test('a list of scalars reads as JSON, with bigints, non-finite numbers and null as JSON shows them', () => {
    assert.equal(preview([1, 'two', true, null, 3n, Number.NaN, -0]), '[1,"two",true,null,"3n",null,0]');
    assert.equal(preview([]), '[]');
  });

  test('lists that hold objects, expressions or undefined are walked, and read the same way', () => {
    assert.equal(preview([1, { a: [2, 'x'] }]), '[1,{"a":[2,"x"]}]');
    assert.equal(preview([undefined, () => 1]), '[null,null]');
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    assert.equal(preview(cyclic), '[1,"[circular]"]');
  });

  test('a long list or a long string is cut at the limit with an ellipsis, the same on every path', () => {
    const long = preview(['x'.repeat(200)], 20);
    assert.equal(long, `["${'x'.repeat(17)}…`);
    assert.equal(long.length, 20);
    const many = Array.from({ length: 40 }, (_, i) => i);
    const cut = preview(many, 30);
    assert.equal(cut, `${JSON.stringify(many).slice(0, 29)}…`);
    // More than the short-list path takes: the walk gives the same text.
    assert.equal(preview(many.slice(0, 10), 30), `${JSON.stringify(many.slice(0, 10))}`);
  });

  test('an array with its own toJSON is shown as toJSON says', () => {
    const tagged = Object.assign([1, 2], { toJSON: () => 'tagged' });
    assert.equal(preview(tagged), '"tagged"');
  });
});
