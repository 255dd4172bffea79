// What a task prints, sent to the parent on the same channel as the results: it arrives before the
// result of the job that printed it, so nothing is lost when the parent exits right after.
import { Buffer } from 'node:buffer';
import type { OutputMessage } from './protocol.ts';

type WriteCallback = (error?: Error | null) => void;

/** Replaces `process.stdout.write` and `process.stderr.write` (which `console` uses) with `send`. */
export function captureOutput(send: (message: OutputMessage) => void): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = (
      chunk: string | Uint8Array,
      ...rest: Array<BufferEncoding | WriteCallback | undefined>
    ): boolean => {
      const encoding = rest.find((item): item is BufferEncoding => typeof item === 'string');
      const callback = rest.find((item): item is WriteCallback => typeof item === 'function');
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk;
      send({ type: 'output', chunk: bytes });
      if (callback) process.nextTick(callback);
      return true;
    };
  }
}
