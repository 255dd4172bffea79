import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callHash, sha256 } from '../../src/hash/index.ts';
import { ChildCallHashes } from '../../src/scheduler/child-hashes.ts';

const evalHash = sha256('eval');
const valueHash = sha256('value');

function childrenOf(hashes: readonly string[]): ChildCallHashes {
  const children = new ChildCallHashes();
  for (const hash of hashes) children.push(hash);
  return children;
}

test('the call hash is over the children in sorted order, whatever order they came in', () => {
  const hashes = Array.from({ length: 3000 }, (_, i) => sha256(`child ${i}`));
  const expected = callHash(evalHash, valueHash, [...hashes].sort());
  assert.equal(childrenOf(hashes).callHash(evalHash, valueHash), expected);
  assert.equal(childrenOf([...hashes].reverse()).callHash(evalHash, valueHash), expected);
});

test('children that share their first bytes are ordered by the whole hash', () => {
  // Same first 8 hex digits (32 bits), different after: the prefix key alone cannot order them.
  const hashes = ['ffff', '0000', '8888', '00ff', 'ff00'].map(
    (tail) => `abcdef01${'5'.repeat(56 - tail.length)}${tail}`,
  );
  // Enough others that the hashes are sorted as bytes, not as strings.
  for (let i = 0; i < 2000; i++) hashes.push(sha256(`elsewhere ${i}`));
  const expected = callHash(evalHash, valueHash, [...hashes].sort());
  assert.equal(childrenOf(hashes).callHash(evalHash, valueHash), expected);
});

test('a child hash that is not hex still counts, in its sorted place', () => {
  const hashes = [sha256('a'), 'not-a-hash', sha256('b')];
  assert.equal(childrenOf(hashes).size, 3);
  assert.equal(
    childrenOf(hashes).callHash(evalHash, valueHash),
    callHash(evalHash, valueHash, [...hashes].sort()),
  );
});

test('no children hash like an empty list', () => {
  assert.equal(new ChildCallHashes().callHash(evalHash, valueHash), callHash(evalHash, valueHash, []));
});
