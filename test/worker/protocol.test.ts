import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ByteWriter,
  packBatch,
  packBytes,
  packResults,
  packResultParts,
  unpackBatch,
  unpackResults,
  type BatchMessage,
  type ResultMessage,
} from '../../src/worker/index.ts';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('packing bytes for a batch', () => {
  it('packs byte strings into one exact buffer with offsets', () => {
    const chunks = [bytes(1, 2), bytes(), bytes(3)];
    const packed = packBytes(chunks.length, (i) => chunks[i]!);
    assert.deepEqual([...packed.bytes], [1, 2, 3]);
    assert.equal(packed.bytes.buffer.byteLength, 3);
    assert.deepEqual([...packed.offsets], [0, 2, 2, 3]);
  });

  it('copies appended bytes at once, so later changes to the source do not leak in', () => {
    const writer = new ByteWriter(2);
    const source = bytes(7, 8, 9);
    writer.append(source);
    writer.append(undefined);
    source[0] = 0;
    writer.append(bytes(4));
    const taken = writer.take();
    assert.deepEqual([...taken.bytes], [7, 8, 9, 4]);
    assert.deepEqual([...taken.offsets], [0, 3, 3, 4]);
    assert.equal(writer.count, 0);
    writer.append(bytes(5));
    assert.deepEqual([...writer.take().bytes], [5]);
  });

  it('gives back the room a very large result needed once it is taken', () => {
    const writer = new ByteWriter(1024);
    writer.append(new Uint8Array(64 * 1024).fill(1));
    assert.ok(writer.capacity >= 64 * 1024);
    assert.equal(writer.take().bytes.length, 64 * 1024);
    assert.equal(writer.capacity, 1024);
    writer.append(bytes(1, 2));
    assert.deepEqual([...writer.take().bytes], [1, 2]);
  });
});

describe('packed messages to and from worker threads', () => {
  const batch: BatchMessage = {
    type: 'batch',
    refs: [
      { module: 'file:///w/flow.ts', name: 'inc', hash: 'a'.repeat(64) },
      { module: 'file:///w/flów.ts', name: 'dec', hash: 'b'.repeat(64) },
    ],
    ids: Float64Array.from([7, 9, 2 ** 40]),
    tasks: Uint32Array.from([0, 1, 0]),
    args: bytes(1, 2, 3, 4, 5),
    offsets: Float64Array.from([0, 2, 2, 5]),
  };

  it('a batch comes back whole, through a structured clone as postMessage makes', () => {
    const back = unpackBatch(structuredClone(packBatch(batch)));
    assert.deepEqual(back.refs, batch.refs);
    assert.deepEqual([...back.ids], [...batch.ids]);
    assert.deepEqual([...back.tasks], [...batch.tasks]);
    assert.deepEqual([...back.offsets], [...batch.offsets]);
    assert.deepEqual([...back.args], [...batch.args]);
  });

  it('results come back whole; results with an error are not packed (they travel as they are)', () => {
    const results: ResultMessage = {
      type: 'results',
      ids: Float64Array.from([3, 4]),
      ok: Uint8Array.from([1, 1]),
      values: bytes(9, 8, 7),
      offsets: Float64Array.from([0, 1, 3]),
      times: Float64Array.from([1.5, 2.5, 3.5, 4.5]),
      errors: [],
    };
    const packed = packResults(results);
    assert.ok(packed);
    const back = unpackResults(packed);
    assert.deepEqual([...back.ids], [3, 4]);
    assert.deepEqual([...back.ok], [1, 1]);
    assert.deepEqual([...back.values], [9, 8, 7]);
    assert.deepEqual([...back.offsets], [0, 1, 3]);
    assert.deepEqual([...back.times], [1.5, 2.5, 3.5, 4.5]);
    const failed = {
      ...results,
      ok: Uint8Array.from([1, 0]),
      errors: [{ name: 'E', message: 'm', kind: 'application' as const }],
    };
    assert.equal(packResults(failed), undefined);
  });

  it('batches that name the same tasks share their refs; others get their own', () => {
    const first = unpackBatch(structuredClone(packBatch(batch)));
    const again = unpackBatch(
      structuredClone(packBatch({ ...batch, refs: batch.refs.map((r) => ({ ...r })) })),
    );
    assert.equal(again.refs, first.refs, 'the same refs, decoded once');
    const renamed = { ...batch, refs: [batch.refs[0]!, { ...batch.refs[1]!, name: 'dec2' }] };
    const other = unpackBatch(structuredClone(packBatch(renamed)));
    assert.notEqual(other.refs, first.refs);
    assert.deepEqual(other.refs, renamed.refs);
    // A single ref's encoding is kept by the ref object: the same object may not change meaning.
    const only = { module: 'file:///w/one.ts', name: 'one', hash: 'c'.repeat(64) };
    const single = { ...batch, refs: [only], tasks: Uint32Array.from([0, 0, 0]) };
    assert.deepEqual(unpackBatch(structuredClone(packBatch(single))).refs, [only]);
    assert.deepEqual(unpackBatch(structuredClone(packBatch(single))).refs, [only]);
  });

  it("results packed straight from a worker's lists read as the same results packed from a message", () => {
    const values = new ByteWriter(4);
    values.append(bytes(9));
    values.append(undefined);
    values.append(bytes(8, 7, 6, 5, 4));
    const packed = packResultParts([3, 4, 2 ** 40], [1, 1, 1], [1.5, 2.5, 3.5, 4.5, 5.5, 6.5], values);
    const back = unpackResults(packed);
    assert.deepEqual([...back.ids], [3, 4, 2 ** 40]);
    assert.deepEqual([...back.ok], [1, 1, 1]);
    assert.deepEqual([...back.offsets], [0, 1, 1, 6]);
    assert.deepEqual([...back.values], [9, 8, 7, 6, 5, 4]);
    assert.deepEqual([...back.times], [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    assert.equal(values.byteLength, 0, 'the writer is emptied');
    assert.equal(values.count, 0);
    values.append(bytes(1));
    assert.deepEqual([...values.take().bytes], [1]);
  });

  it('a packed message read from inside a larger buffer, at any offset, reads the same', () => {
    const packed = packBatch(batch);
    const larger = new Uint8Array(packed.length + 3);
    larger.set(packed, 3);
    assert.deepEqual([...unpackBatch(larger.subarray(3)).ids], [...batch.ids]);
  });

  it('a truncated or mistaken message is an error, not garbage', () => {
    const packed = packBatch(batch);
    assert.throws(
      () => unpackBatch(packed.subarray(0, packed.length - 1)),
      /packed batch message .* malformed/,
    );
    assert.throws(() => unpackBatch(packed.subarray(0, 8)), /malformed/);
    assert.throws(() => unpackResults(packed), /packed results message .* malformed/);
  });
});
