// What travels through Redis: a queue job carries a batch of tasks (BullMQ stores its data as JSON, so
// the packed arguments go as base64), and workers answer with result messages in the value codec.
import { decodeValue, encodeValue } from '../../codec/index.ts';
import { SerializationError } from '../../errors.ts';
import { sha256 } from '../../hash/index.ts';
import type { Locality } from '../../task/index.ts';
import type { SerializedError } from '../types.ts';

export const BATCH_FORMAT = 'baton.fleet-batch/1';

/** One distinct task of a batch. */
export interface BatchTaskRef {
  /** File URL of the module on the scheduler's machine; used as it is where that file exists. */
  module: string;
  /** The module's path inside the code package. */
  path: string;
  name: string;
  hash: string;
}

/** The data of one queue job. Task i's arguments are `args[offsets[i] .. offsets[i + 1]]`. */
export interface BatchData {
  format: typeof BATCH_FORMAT;
  refs: BatchTaskRef[];
  /** The code package in scratch, when the scheduler published one. */
  codePackage: string | undefined;
  /** Per task: its key (the eval hash, with the job id for tasks that are never cached). */
  keys: string[];
  /** Per task: its index in `refs`. */
  tasks: number[];
  args: string;
  offsets: number[];
  /** Tasks whose arguments are a packed array with large values in scratch: `[task, argument, hash]`. */
  largeArgs: Array<[number, number, string]>;
  /** Tasks whose arguments hold Files staged in scratch. */
  staged: number[];
  /** Tasks with a time limit (seconds) or memory (GiB) for the worker's pool: `[task, timeLimit, memory]`. */
  limits: Array<[number, number | null, number | null]>;
  largeValueBytes: number;
  locality?: Locality | undefined;
}

/** What a worker sends back for some tasks of one queue job. */
export interface ResultBatch {
  batchId: string;
  worker: string;
  keys: string[];
  ok: Uint8Array;
  /** Result i's value is `values[offsets[i] .. offsets[i + 1]]`. */
  values: Uint8Array;
  offsets: Float64Array;
  /** Per result: started and ended, in ms since the epoch. */
  times: Float64Array;
  /** The failures' errors, in order. */
  errors: SerializedError[];
  /** `[result, hash]` of each value that went to scratch's value store. */
  largeValues: Array<[number, string]>;
}

const FILE_TAGS = ['baton.File', 'baton.Dir'].map((tag) => Buffer.from(tag));

/** Whether encoded bytes may hold a File or Dir (a false yes costs a decode, never a wrong value). */
export function mayHoldFiles(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return FILE_TAGS.some((tag) => buffer.includes(tag));
}

/** The queue job id of a batch: a lone task's key, else a hash of the keys; `fresh` adds a nonce. */
export function batchId(keys: readonly string[], fresh: boolean): string {
  const base = keys.length === 1 ? keys[0]! : `b-${sha256(keys.join('\n')).slice(0, 40)}`;
  return fresh ? `${base}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` : base;
}

export function decodeBatch(data: unknown, batchId: string): BatchData {
  const batch = data as Partial<BatchData> | undefined;
  if (
    batch?.format !== BATCH_FORMAT ||
    !Array.isArray(batch.keys) ||
    !Array.isArray(batch.refs) ||
    typeof batch.args !== 'string'
  ) {
    throw new SerializationError(`queue job ${batchId} is not a Baton batch`, 'batch', {
      hint: 'another program or another version of Baton uses this queue: give Baton a queue of its own',
    });
  }
  return batch as BatchData;
}

export function encodeResults(results: ResultBatch): Buffer {
  const bytes = encodeValue(results, 'results');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeResults(bytes: Uint8Array): ResultBatch {
  const value = decodeValue(bytes) as Partial<ResultBatch> | undefined;
  if (!value || !Array.isArray(value.keys) || !(value.ok instanceof Uint8Array)) {
    throw new SerializationError('a fleet result message is damaged', 'results');
  }
  return value as ResultBatch;
}

/** A JSON message read from a Redis channel, as the fields it may have; undefined when it is not JSON. */
export function parseMessage<T>(text: string): Partial<T> | undefined {
  try {
    return JSON.parse(text) as Partial<T>;
  } catch {
    return undefined;
  }
}
