// Batches and results between the local pool and its worker threads, each packed into one buffer.
// postMessage clones an object holding five typed arrays at several times the cost of one buffer, on
// both threads, and for a single job that clone was most of the round trip; a packed message is one
// copy in and views out. Results that carry errors travel as objects (their fields are arbitrary).
import { Buffer } from 'node:buffer';
import { TextDecoder, TextEncoder } from 'node:util';
import { ByteWriter, type BatchMessage, type ResultMessage, type WireTaskRef } from './protocol.ts';

const BATCH = 1;
const RESULTS = 2;
/** kind, count, and two byte lengths: four u32. */
const HEADER_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const align8 = (n: number): number => (n + 7) & ~7;

/** Where each part of a packed batch starts, from the start of the message; `end` is its length. */
function batchLayout(count: number, refsLength: number, argsLength: number) {
  const idsAt = HEADER_BYTES;
  const offsetsAt = idsAt + 8 * count;
  const tasksAt = offsetsAt + 8 * (count + 1);
  const refsAt = tasksAt + align8(4 * count);
  const argsAt = refsAt + refsLength;
  return { idsAt, offsetsAt, tasksAt, refsAt, argsAt, end: argsAt + argsLength };
}

/** Where each part of packed results starts, from the start of the message; `end` is its length. */
function resultsLayout(count: number, valuesLength: number) {
  const idsAt = HEADER_BYTES;
  const offsetsAt = idsAt + 8 * count;
  const timesAt = offsetsAt + 8 * (count + 1);
  const okAt = timesAt + 16 * count;
  const valuesAt = okAt + align8(count);
  return { idsAt, offsetsAt, timesAt, okAt, valuesAt, end: valuesAt + valuesLength };
}

/** The JSON of a batch's refs when it has only one, by that ref: the pool reuses one object per task. */
const encodedRefs = new WeakMap<WireTaskRef, Uint8Array>();

function encodeRefs(refs: readonly WireTaskRef[]): Uint8Array {
  const only = refs.length === 1 ? refs[0]! : undefined;
  let bytes = only && encodedRefs.get(only);
  if (!bytes) {
    bytes = encoder.encode(JSON.stringify(refs.map((ref) => [ref.module, ref.name, ref.hash])));
    if (only) encodedRefs.set(only, bytes);
  }
  return bytes;
}

/** The refs of the last batch unpacked, and their JSON: batches in a row mostly name the same tasks. */
let lastRefs: { json: Buffer; refs: WireTaskRef[] } | undefined;

function decodeRefs(json: Buffer): WireTaskRef[] {
  if (lastRefs?.json.equals(json)) return lastRefs.refs;
  const triples = JSON.parse(decoder.decode(json)) as string[][];
  const refs = triples.map(([module, name, hash]): WireTaskRef => ({
    module: module!,
    name: name!,
    hash: hash!,
  }));
  // A copy: `json` is a view of a message that goes away.
  lastRefs = { json: Buffer.from(json), refs };
  return refs;
}

/**
 * A batch as one buffer: header, ids (f64), offsets (f64), task indexes (u32, padded to 8), the refs
 * as JSON, the arguments.
 */
export function packBatch(batch: BatchMessage): Uint8Array {
  const count = batch.ids.length;
  const refs = encodeRefs(batch.refs);
  const { idsAt, offsetsAt, tasksAt, refsAt, argsAt, end } = batchLayout(
    count,
    refs.length,
    batch.args.length,
  );
  const bytes = new Uint8Array(end);
  const { buffer } = bytes;
  new Uint32Array(buffer, 0, 4).set([BATCH, count, refs.length, batch.args.length]);
  new Float64Array(buffer, idsAt, count).set(batch.ids);
  new Float64Array(buffer, offsetsAt, count + 1).set(batch.offsets);
  new Uint32Array(buffer, tasksAt, count).set(batch.tasks);
  bytes.set(refs, refsAt);
  bytes.set(batch.args, argsAt);
  return bytes;
}

/** The batch `packBatch` packed; its arrays are views of `bytes`. */
export function unpackBatch(message: Uint8Array): BatchMessage {
  const bytes = aligned(message);
  const [kind, count, refsLength, argsLength] = header(bytes, BATCH);
  const layout = batchLayout(count, refsLength, argsLength);
  if (kind !== BATCH || layout.end !== bytes.length) throw malformed('batch');
  const { buffer, byteOffset: at } = bytes;
  const refs = decodeRefs(Buffer.from(buffer, at + layout.refsAt, refsLength));
  return {
    type: 'batch',
    refs,
    ids: new Float64Array(buffer, at + layout.idsAt, count),
    tasks: new Uint32Array(buffer, at + layout.tasksAt, count),
    args: new Uint8Array(buffer, at + layout.argsAt, argsLength),
    offsets: new Float64Array(buffer, at + layout.offsetsAt, count + 1),
  };
}

/**
 * Results as one buffer: header, ids, offsets, times (all f64), ok flags (padded to 8), the values.
 * Undefined when some result is an error: those go as the message object itself.
 */
export function packResults(results: ResultMessage): Uint8Array | undefined {
  if (results.errors.length > 0) return undefined;
  const { ids, offsets, values } = results;
  const writer = new ByteWriter(Math.max(1, values.length));
  for (let i = 0; i < ids.length; i++) writer.append(values.subarray(offsets[i], offsets[i + 1]));
  return packResultParts(ids, results.ok, results.times, writer);
}

/**
 * The same packing straight from a worker's lists of finished jobs (ids, ok flags, start and end times
 * in pairs, and their values), without a ResultMessage in between; it empties `values`.
 */
export function packResultParts(
  ids: ArrayLike<number>,
  ok: ArrayLike<number>,
  times: ArrayLike<number>,
  values: ByteWriter,
): Uint8Array {
  const count = ids.length;
  const valuesLength = values.byteLength;
  const { idsAt, timesAt, okAt, valuesAt, end } = resultsLayout(count, valuesLength);
  const bytes = new Uint8Array(end);
  const { buffer } = bytes;
  const words = new Uint32Array(buffer, 0, 4);
  words[0] = RESULTS;
  words[1] = count;
  words[2] = valuesLength;
  // ids, offsets and times lie end to end: one view for the three.
  const numbers = new Float64Array(buffer, idsAt, (timesAt - idsAt) / 8 + 2 * count);
  for (let i = 0; i < count; i++) numbers[i] = ids[i]!;
  const timesFrom = (timesAt - idsAt) / 8;
  for (let i = 0; i < 2 * count; i++) numbers[timesFrom + i] = times[i]!;
  for (let i = 0; i < count; i++) bytes[okAt + i] = ok[i]!;
  values.moveTo(bytes, valuesAt, numbers, count);
  return bytes;
}

/** The results `packResults` packed; their arrays are views of `bytes`. */
export function unpackResults(message: Uint8Array): ResultMessage {
  const bytes = aligned(message);
  const [kind, count, valuesLength] = header(bytes, RESULTS);
  const layout = resultsLayout(count, valuesLength);
  if (kind !== RESULTS || layout.end !== bytes.length) throw malformed('results');
  const { buffer, byteOffset: at } = bytes;
  return {
    type: 'results',
    ids: new Float64Array(buffer, at + layout.idsAt, count),
    ok: new Uint8Array(buffer, at + layout.okAt, count),
    values: new Uint8Array(buffer, at + layout.valuesAt, valuesLength),
    offsets: new Float64Array(buffer, at + layout.offsetsAt, count + 1),
    times: new Float64Array(buffer, at + layout.timesAt, 2 * count),
    errors: [],
  };
}

/** The header's four u32, after checking the message is at least that long. */
function header(bytes: Uint8Array, expected: number): [number, number, number, number] {
  if (bytes.length < HEADER_BYTES) throw malformed(expected === BATCH ? 'batch' : 'results');
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, 4);
  return [words[0]!, words[1]!, words[2]!, words[3]!];
}

/** A cloned message owns its buffer from offset 0; a view at an odd offset is copied so f64 views fit. */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
}

function malformed(what: string): Error {
  return new Error(
    `a packed ${what} message from the local pool is malformed (a Baton bug: please report it)`,
  );
}
