// How problems in baton.toml are named, suggested and turned into one ConfigError.
import { isAbsolute, relative } from 'node:path';
import { ConfigError } from '../errors.ts';

/** One thing wrong in the file; `section` is e.g. `executors.gpu`, `key` e.g. `max_workers` or `env.TOKEN`. */
export interface Problem {
  section?: string | undefined;
  key?: string | undefined;
  message: string;
  hint?: string | undefined;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** A TOML key as the user would write it in a header, quoted when it is not a bare key. */
export function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : JSON.stringify(key);
}

/** The label of an executor section, e.g. `executors.gpu`. */
export function executorSection(name: string): string {
  return `executors.${tomlKey(name)}`;
}

/** The file as the user knows it: relative to cwd when it sits below cwd, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** `baton.toml [executors.gpu] max_workers: message`. */
export function problemLine(display: string, problem: Problem): string {
  const section = problem.section === undefined ? '' : ` [${problem.section}]`;
  const key = problem.key === undefined ? '' : ` ${problem.key}`;
  return `${display}${section}${key}: ${problem.message}`;
}

/**
 * One ConfigError for all problems: the message lists every problem, one a line, each followed by its
 * own hint (`— hint`) when there are several; file/section/key name the first; with several, `cause`
 * is an AggregateError holding one ConfigError per problem.
 */
export function configError(
  problems: readonly Problem[],
  file: string | undefined,
  display: string,
): ConfigError {
  const errors = problems.map(
    (problem) =>
      new ConfigError(
        problemLine(display, problem),
        { file, section: problem.section, key: problem.key },
        { hint: problem.hint },
      ),
  );
  const [first] = errors;
  if (!first) throw new RangeError('configError needs at least one problem');
  if (errors.length === 1) return first;
  // Each hint stays on the line of its problem: joined into one, they read as advice for the first.
  return new ConfigError(
    errors.map((error) => (error.hint ? `${error.message} — ${error.hint}` : error.message)).join('\n'),
    { file, section: first.section, key: first.key },
    { cause: new AggregateError(errors, `${errors.length} problems in ${display}`) },
  );
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate nearest to `word` within edit distance 2 (case-insensitive), if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    // A distance as long as the word itself would suggest anything for very short keys.
    if (distance < bestDistance && distance < word.length) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean max_workers?` or the empty string. */
export function didYouMean(
  word: string,
  candidates: Iterable<string>,
  format: (key: string) => string = (key) => key,
): string {
  const near = closest(word, candidates);
  return near === undefined ? '' : `; did you mean ${format(near)}?`;
}

/** A value as a message shows it after "got". */
export function showValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || Array.isArray(value)) {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  if (typeof value === 'object' && value !== null) return 'a table';
  return String(value);
}
