// What `baton run` prints on stdout: the result, or for --dry-run the calls that would run.
import { inspect } from 'node:util';
import type { DryRunReport } from '../scheduler/index.ts';
import { plural, renderTable } from './format.ts';

/** Whether JSON can carry `value` exactly: null, booleans, finite numbers, strings, arrays, plain objects. */
export function isPlainData(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object') return false;
  if (ancestors.has(value)) return false;
  ancestors.add(value);
  let plain: boolean;
  if (Array.isArray(value)) {
    plain = true;
    for (let i = 0; i < value.length && plain; i++) plain = i in value && isPlainData(value[i], ancestors);
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    plain =
      (proto === Object.prototype || proto === null) &&
      Object.getOwnPropertySymbols(value).length === 0 &&
      Object.values(value).every((item) => isPlainData(item, ancestors));
  }
  ancestors.delete(value);
  return plain;
}

/**
 * The result as stdout shows it: strings raw, plain data as JSON (2-space), anything JSON would
 * change (Map, Date, bigint, undefined inside, NaN...) through util.inspect; undefined prints nothing.
 */
export function renderResult(value: unknown, options: { colors: boolean }): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.endsWith('\n') ? value : `${value}\n`;
  if (isPlainData(value)) return `${JSON.stringify(value, null, 2)}\n`;
  return `${inspect(value, { depth: null, colors: options.colors, maxArrayLength: null, maxStringLength: null })}\n`;
}

/** The calls a dry run found it would have to run, or that everything is cached. */
export function renderDryRun(report: DryRunReport): string {
  const cached = `${plural(report.cached, 'call')} cached`;
  if (report.wouldRun.length === 0) return `nothing would run: every call is cached (${cached})\n`;
  const rows = report.wouldRun.map((call) => [
    call.taskName,
    call.evalHash ? call.evalHash.slice(0, 16) : '(arguments known once earlier calls have run)',
  ]);
  const lines = [
    `${plural(report.wouldRun.length, 'call')} would run (${cached}):`,
    ...renderTable(['task', 'eval hash'], rows).map((line) => `  ${line}`),
  ];
  return `${lines.join('\n')}\n`;
}
