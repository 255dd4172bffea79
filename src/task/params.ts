// Reads a function's parameter list from its source text: names for error paths and the CLI,
// and whether each has a default (the CLI requires the ones that do not).

export interface ParamInfo {
  name: string;
  /** The default's source text, when there is one. */
  defaultSource: string | undefined;
  rest: boolean;
}

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

/** Splits `text` at top-level commas, skipping strings, template literals, comments and brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'" || ch === '`') {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === '\\') i++;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1 || text.length;
    } else if (OPEN.has(ch)) depth++;
    else if (CLOSE.has(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/** The text between the parameter list's parentheses, or the bare name of a one-parameter arrow. */
function parameterText(source: string): string {
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return arrow[1]!;
  const open = source.indexOf('(');
  if (open < 0) return '';
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '"' || ch === "'" || ch === '`') {
      for (i++; i < source.length && source[i] !== ch; i++) if (source[i] === '\\') i++;
    } else if (OPEN.has(ch)) depth++;
    else if (CLOSE.has(ch) && --depth === 0) return source.slice(open + 1, i);
  }
  return '';
}

const cache = new WeakMap<object, ParamInfo[]>();

/** The parameters of `fn` as written in its source. */
export function parameters(fn: (...args: never[]) => unknown): ParamInfo[] {
  const known = cache.get(fn);
  if (known) return known;
  const params = splitTopLevel(parameterText(fn.toString())).map((part, index): ParamInfo => {
    const rest = part.startsWith('...');
    const body = rest ? part.slice(3) : part;
    const eq = splitAtTopLevelEquals(body);
    const target = eq.target.trim();
    const name = /^[A-Za-z_$][\w$]*$/.test(target) ? target : `arg${index}`;
    return { name, defaultSource: eq.defaultSource, rest };
  });
  cache.set(fn, params);
  return params;
}

function splitAtTopLevelEquals(text: string): { target: string; defaultSource: string | undefined } {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (OPEN.has(ch)) depth++;
    else if (CLOSE.has(ch)) depth--;
    else if (ch === '=' && depth === 0 && text[i + 1] !== '>') {
      return { target: text.slice(0, i), defaultSource: text.slice(i + 1).trim() };
    }
  }
  // a type annotation (`x: number`) can appear in source compiled without type stripping; drop it
  return { target: text.split(':')[0]!, defaultSource: undefined };
}

/** The parameter names of `fn`, for error paths like `train(rows[3].model)`. */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  return parameters(fn).map((param) => param.name);
}

/**
 * What error paths and call paths call the argument at `index` of a call of `fn`: its parameter's
 * name (`rows`), an item of the rest parameter (`paths[2]`), or its position past the list (`arg3`).
 */
export function argumentName(fn: (...args: never[]) => unknown, index: number): string {
  const params = parameters(fn);
  for (let i = 0; i < params.length && i <= index; i++) {
    const param = params[i]!;
    if (param.rest) return `${param.name}[${index - i}]`;
    if (i === index) return param.name;
  }
  return `arg${index}`;
}
