// Builds the wire form of jobs, as the local executor's pool sends them.
import { encodeValue } from '../../src/codec/index.ts';
import { taskHash } from '../../src/hash/index.ts';
import type { Task } from '../../src/task/index.ts';
import { packBytes, type BatchMessage, type WireTaskRef } from '../../src/worker/index.ts';

export function refOf<A extends unknown[], R>(t: Task<A, R>): WireTaskRef {
  return { module: t.def.moduleUrl ?? '', name: t.def.name, hash: taskHash(t.def.name, t.def.source) };
}

/** One batch of calls; ids are 1, 2, 3, ... unless given. */
export function batchOf(calls: Array<[WireTaskRef, unknown[]]>, firstId = 1): BatchMessage {
  const refs: WireTaskRef[] = [];
  const tasks = new Uint32Array(calls.length);
  calls.forEach(([ref], i) => {
    let index = refs.indexOf(ref);
    if (index < 0) index = refs.push(ref) - 1;
    tasks[i] = index;
  });
  const encoded = calls.map(([, args]) => encodeValue(args));
  const { bytes, offsets } = packBytes(encoded.length, (i) => encoded[i]!);
  return {
    type: 'batch',
    refs,
    ids: Float64Array.from(calls, (_, i) => firstId + i),
    tasks,
    args: bytes,
    offsets,
  };
}
