// Runs inside the writer thread: commits the batches the store sends, in order, on its own connection.
import { parentPort, workerData } from 'node:worker_threads';
import type { DatabaseSync } from 'node:sqlite';
import { commitBatch, type CommitWatch } from './batch.ts';
import type { WriterReply, WriterRequest, WriterThreadData } from './batch-writer.ts';
import { openConnection } from './connection.ts';
import { SqliteQueries } from './sqlite-queries.ts';

const data = workerData as WriterThreadData;
let db: DatabaseSync | undefined;
let queries: SqliteQueries | undefined;
const watch: CommitWatch = {};

function reply(message: WriterReply): void {
  parentPort!.postMessage(message);
}

function errorInfo(error: unknown): { message: string; errcode?: number } {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return { message: String(error), ...(typeof errcode === 'number' ? { errcode } : {}) };
}

parentPort!.on('message', (request: WriterRequest) => {
  if (request.type === 'close') {
    db?.close();
    db = undefined;
    reply({ type: 'closed' });
    return;
  }
  if (!queries) {
    try {
      db = openConnection(data.path, { busyTimeout: data.busyTimeout, cacheKiB: data.cacheKiB });
      queries = new SqliteQueries(db);
    } catch (error) {
      // The store writes this batch (and later ones) on its own thread instead.
      reply({ type: 'done', seq: request.seq, error: errorInfo(error), fatal: true });
      return;
    }
  }
  try {
    const { othersCommitted } = commitBatch(queries, request.batch, watch);
    reply({ type: 'done', seq: request.seq, othersCommitted });
  } catch (error) {
    reply({ type: 'done', seq: request.seq, error: errorInfo(error) });
  }
});
