// Where `baton map` gets its items: `--over EXPR` evaluated here to an (async) iterable, or
// `--input FILE` read line by line (JSON lines, or CSV rows as objects keyed by the header). Files are
// streamed, so a bad row is reported by its line number when it is reached.
import { createReadStream, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.ts';
import { describeValue, evaluateSource } from '../map/index.ts';
import { parseCsvLine } from './csv.ts';

export type Items = Iterable<unknown> | AsyncIterable<unknown>;

/** The items `--over` evaluates to; a promise is awaited first. */
export async function itemsFromExpression(source: string): Promise<Items> {
  let value = evaluateSource(source, '--over');
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  ) {
    try {
      value = await value;
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new UsageError(`--over gave a promise that rejected: ${reason}`, { cause: error });
    }
  }
  const iterable =
    value !== null &&
    typeof value === 'object' &&
    (typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function' ||
      typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function');
  if (!iterable) {
    throw new UsageError(`--over is not iterable (it evaluates to ${describeValue(value)})`, {
      hint: "give an array, an iterable or an async iterable, e.g. 'Array.from({ length: 10 }, (_, i) => i)'",
    });
  }
  return value as Items;
}

/** The items of a `.jsonl` or `.csv` file; the file is checked here, read as the map goes. */
export function itemsFromFile(path: string, cwd: string): Items {
  const file = resolve(cwd, path);
  const kind = extname(file).toLowerCase();
  if (kind !== '.jsonl' && kind !== '.csv') {
    throw new UsageError(`--input ${path}: expected a .jsonl or .csv file`, {
      hint: 'write one JSON value per line (.jsonl), or a CSV file with a header row (.csv)',
    });
  }
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (error) {
    throw new UsageError(`--input ${path} cannot be read: ${(error as Error).message}`, {
      hint: 'check the path, relative to the working directory',
    });
  }
  if (!isFile) throw new UsageError(`--input ${path} is not a file`);
  return kind === '.jsonl' ? jsonLines(file, path) : csvRows(file, path);
}

async function* lines(file: string): AsyncGenerator<string> {
  const reader = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  try {
    yield* reader;
  } finally {
    reader.close();
  }
}

async function* jsonLines(file: string, shown: string): AsyncGenerator<unknown> {
  let lineNumber = 0;
  for await (const line of lines(file)) {
    lineNumber++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch (error) {
      throw new UsageError(`--input ${shown} line ${lineNumber} is not JSON: ${(error as Error).message}`, {
        hint: 'write one JSON value per line; the items before it are done, and come from the cache when you run again',
      });
    }
  }
}

async function* csvRows(file: string, shown: string): AsyncGenerator<Record<string, string>> {
  let header: string[] | undefined;
  let lineNumber = 0;
  let pending = '';
  let startLine = 0;
  for await (const line of lines(file)) {
    lineNumber++;
    if (pending === '' && line.trim() === '') continue;
    if (pending === '') startLine = lineNumber;
    const text = pending === '' ? line : `${pending}\n${line}`;
    const fields = parseCsvLine(text);
    // A quoted field that holds a line break goes on to the next line.
    if (fields === undefined) {
      pending = text;
      continue;
    }
    pending = '';
    if (!header) {
      header = fields;
      const duplicate = header.find((name, i) => header!.indexOf(name) !== i);
      if (duplicate !== undefined)
        throw new UsageError(
          `--input ${shown} line ${startLine}: the header names column '${duplicate}' twice`,
        );
      continue;
    }
    if (fields.length !== header.length) {
      throw new UsageError(
        `--input ${shown} line ${startLine} has ${fields.length} fields where the header has ${header.length}`,
        {
          hint: 'quote fields that hold commas ("a, b"); the items before it are done, and come from the cache when you run again',
        },
      );
    }
    yield Object.fromEntries(header.map((name, i) => [name, fields[i]!]));
  }
  if (pending !== '') {
    throw new UsageError(`--input ${shown} line ${startLine}: a quoted field is not closed`, {
      hint: 'close it with " (a " inside a field is written "")',
    });
  }
}
