// Where `baton map` writes its results, in input order as they come (or, `--unordered`, as they
// finish, each with its item's index): JSON lines on stdout, or `--out FILE.jsonl | FILE.csv`. The
// file is opened before any work starts, so a path that cannot be written is said at once.
import { once } from 'node:events';
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { extname, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { formatCsvRow } from './csv.ts';

export interface ResultSink {
  /** The absolute path written to; undefined for stdout. */
  readonly path: string | undefined;
  /** Writes item `index`'s result; waits when the file is behind. */
  write(index: number, value: unknown): Promise<void>;
  close(): Promise<void>;
}

/** JSON for a result: bigint as a string, Map as an object, Set as an array, undefined as null. */
export function jsonText(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      return v;
    }) ?? 'null'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return jsonText(value);
  return String(value);
}

/**
 * Rows of a CSV file: the first result decides the columns (its keys, or one column `result` for
 * anything that is not a plain object); a later object with another key is an error.
 */
class CsvRows {
  private readonly shown: string;
  private readonly indexed: boolean;
  private columns: string[] | 'scalar' | undefined;

  constructor(shown: string, indexed: boolean) {
    this.shown = shown;
    this.indexed = indexed;
  }

  lines(index: number, value: unknown): string {
    const row = (cells: string[]) => `${formatCsvRow(this.indexed ? [String(index), ...cells] : cells)}\n`;
    let head = '';
    if (this.columns === undefined) {
      this.columns = isRecord(value) ? Object.keys(value) : 'scalar';
      const names = this.columns === 'scalar' ? ['result'] : this.columns;
      head = `${formatCsvRow(this.indexed ? ['index', ...names] : names)}\n`;
    }
    if (this.columns === 'scalar') return `${head}${row([csvCell(value)])}`;
    const columns = this.columns;
    if (!isRecord(value)) {
      throw new UsageError(
        `--out ${this.shown}: the result of item ${index} is not an object, as the first was`,
        {
          hint: 'write to a .jsonl file instead; finished items come from the cache',
        },
      );
    }
    const extra = Object.keys(value).find((key) => !columns.includes(key));
    if (extra !== undefined) {
      throw new UsageError(
        `--out ${this.shown}: the result of item ${index} has key '${extra}', which the first result has not`,
        { hint: 'CSV columns come from the first result; write to a .jsonl file instead' },
      );
    }
    return `${head}${row(columns.map((key) => csvCell(value[key])))}`;
  }
}

/** A JSON line: the result, or with `indexed` the item's index beside it. */
function jsonLine(index: number, value: unknown, indexed: boolean): string {
  return indexed ? `{"index":${index},"result":${jsonText(value)}}\n` : `${jsonText(value)}\n`;
}

class FileSink implements ResultSink {
  readonly path: string;
  private readonly stream: WriteStream;
  private readonly csv: CsvRows | undefined;
  private readonly indexed: boolean;

  constructor(path: string, fd: number, shown: string, indexed: boolean) {
    this.path = path;
    this.indexed = indexed;
    this.stream = createWriteStream(path, { fd });
    this.csv = extname(path).toLowerCase() === '.csv' ? new CsvRows(shown, indexed) : undefined;
  }

  async write(index: number, value: unknown): Promise<void> {
    const text = this.csv ? this.csv.lines(index, value) : jsonLine(index, value, this.indexed);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'close');
  }
}

/**
 * Results as JSON lines on stdout, or into `out` (opened here, before any work); with `indexed`, each
 * with its item's index (results then come as they finish).
 */
export function openResultSink(
  out: string | undefined,
  cwd: string,
  stdout: (text: string) => void,
  indexed = false,
): ResultSink {
  if (out === undefined) {
    return {
      path: undefined,
      write: (index, value) => Promise.resolve(stdout(jsonLine(index, value, indexed))),
      close: () => Promise.resolve(),
    };
  }
  const kind = extname(out).toLowerCase();
  if (kind !== '.csv' && kind !== '.jsonl') {
    throw new UsageError(`--out ${out}: expected a .csv or .jsonl file`, {
      hint: 'write e.g. --out result.jsonl (one JSON value per line) or --out result.csv',
    });
  }
  const path = resolve(cwd, out);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new UsageError(`--out ${out} cannot be written: ${(error as Error).message}`, {
      hint: 'check that its folder exists and is writable; nothing has run',
    });
  }
  try {
    return new FileSink(path, fd, out, indexed);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
