import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteWriter, packBytes } from '../../src/worker/index.ts';

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
