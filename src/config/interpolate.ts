// `${VAR}` in string values of baton.toml, replaced by environment variables.
//
// Escape: `$${` stands for a literal `${` (as in docker compose); `\${` would be an invalid escape in
// TOML basic strings, so it is not used.
import { executorSection, tomlKey, type Problem } from './problems.ts';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// An escape, a reference, or an unclosed `${`, in that order of preference.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

type PathSegment = string | number;

/** Section and key of a value, given its path from the document root. */
function locate(path: readonly PathSegment[]): { section: string | undefined; key: string } {
  const show = (segments: readonly PathSegment[]) =>
    segments.reduce<string>(
      (text, segment) =>
        typeof segment === 'number'
          ? `${text}[${segment}]`
          : text === ''
            ? tomlKey(segment)
            : `${text}.${tomlKey(segment)}`,
      '',
    );
  const [top, second] = path;
  if (top === 'executors' && typeof second === 'string' && path.length > 2) {
    return { section: executorSection(second), key: show(path.slice(2)) };
  }
  if (typeof top === 'string' && path.length > 1 && typeof path[1] === 'string') {
    return { section: tomlKey(top), key: show(path.slice(1)) };
  }
  return { section: undefined, key: show(path) };
}

function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  path: readonly PathSegment[],
  problems: Problem[],
): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (whole, name: string | undefined) => {
    if (whole === '$${') return '${';
    if (name === undefined) {
      problems.push({
        ...locate(path),
        message: 'unclosed ${ in value',
        hint: 'close it with }, or write $${ for a literal ${',
      });
      return whole;
    }
    if (!VARIABLE_NAME.test(name)) {
      problems.push({
        ...locate(path),
        message: `'\${${name}}' is not a valid environment variable reference`,
        hint: 'names hold letters, digits and _; write $${ for a literal ${',
      });
      return whole;
    }
    const value = env[name];
    if (value === undefined) {
      problems.push({
        ...locate(path),
        message: `environment variable ${name} is not set`,
        hint: `set ${name}, or write $\${${name}} for a literal \${${name}}`,
      });
      return whole;
    }
    return value;
  });
}

/** A copy of the parsed document with `${VAR}` replaced in every string value; unset variables become problems. */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  path: readonly PathSegment[] = [],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path, problems);
  if (Array.isArray(value))
    return value.map((item: unknown, index) => interpolateEnv(item, env, problems, [...path, index]));
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateEnv(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}
