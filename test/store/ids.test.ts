import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idTime, newId } from '../../src/store/index.ts';

test('ids are 26 lowercase base32 characters, unique, and sort in creation order', () => {
  const ids = Array.from({ length: 50_000 }, () => newId());
  for (const id of ids.slice(0, 100)) assert.match(id, /^[0-9a-hjkmnp-tv-z]{26}$/);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
});

test('an id carries the millisecond it was made', () => {
  const before = Date.now();
  const id = newId();
  const after = Date.now();
  assert.ok(idTime(id) >= before && idTime(id) <= after);
  assert.ok(Number.isNaN(idTime('not an id at all!!')));
});
