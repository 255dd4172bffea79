// Command templates of script tasks: `{name}` placeholders filled with shell-quoted values. The scan
// matches the type-level one in src/task/script.ts, so the placeholders TypeScript asks for are exactly
// the ones filled: from each `{`, up to the next `}`; an identifier there is a placeholder unless the
// `{` follows a `$` (the shell's own `${name}`). Every other brace (`{}`, `{a,b}`, awk's `{print $1}`)
// is left to the shell.
import { WorkflowError } from '../errors.ts';
import { isDir } from './dir.ts';
import { isFile } from './file.ts';

export interface CommandTemplate {
  readonly text: string;
  /** Literal text and placeholder names, in order. */
  readonly parts: ReadonlyArray<string | { readonly name: string }>;
  /** Each placeholder once, in order of first use. */
  readonly names: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Words the shell reads as they are; anything else is single-quoted. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function parseTemplate(text: string): CommandTemplate {
  const parts: Array<string | { name: string }> = [];
  const names: string[] = [];
  let literal = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{', pos);
    const close = open < 0 ? -1 : text.indexOf('}', open + 1);
    if (close < 0) break;
    const name = text.slice(open + 1, close);
    if (IDENTIFIER.test(name) && text[open - 1] !== '$') {
      parts.push(literal + text.slice(pos, open), { name });
      literal = '';
      if (!names.includes(name)) names.push(name);
    } else literal += text.slice(pos, close + 1);
    pos = close + 1;
  }
  parts.push(literal + text.slice(pos));
  return { text, parts: parts.filter((part) => part !== ''), names };
}

/** `word` as one shell word: as it is when plain, else in single quotes. */
export function shellQuote(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** What the user may pass for a placeholder, described for errors. */
const VALUE_KINDS = 'a string, number, boolean, File, Dir, or an array of those';

/** The shell text a placeholder's value becomes; throws naming the script and placeholder. */
export function shellText(value: unknown, script: string, name: string): string {
  switch (typeof value) {
    case 'string':
      return shellQuote(value);
    case 'number':
      if (!Number.isFinite(value)) break;
      return shellQuote(String(value));
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'object':
      if (isFile(value) || isDir(value)) {
        if (!value.isLocal) {
          throw new WorkflowError(`script ${script}: {${name}} is in scratch, not on this machine`, {
            hint: 'remote jobs stage files in before the script runs; outside one, use a local File',
          });
        }
        return shellQuote(value.path);
      }
      if (Array.isArray(value)) return value.map((item) => shellText(item, script, name)).join(' ');
  }
  throw new WorkflowError(`script ${script}: {${name}} cannot be ${describe(value)}`, {
    hint: `give ${VALUE_KINDS}`,
  });
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object')
    return Object.getPrototypeOf(value) === Object.prototype ? 'an object' : 'that';
  return `a ${typeof value}`;
}

/** The command with every placeholder replaced by its shell text. */
export function fillTemplate(template: CommandTemplate, words: Readonly<Record<string, string>>): string {
  return template.parts.map((part) => (typeof part === 'string' ? part : words[part.name]!)).join('');
}

/**
 * Checks the argument of a call of script `script`: one object with a value for each input placeholder and
 * no other key. Values for which `isLazy` holds (expressions) are checked when they have been evaluated.
 */
export function checkScriptArgs(
  script: string,
  inputs: readonly string[],
  outputs: readonly string[],
  args: unknown,
  isLazy: (value: unknown) => boolean,
): void {
  if (isLazy(args)) return;
  const example = `${script}({ ${inputs.map((name) => `${name}: ...`).join(', ')} })`;
  if (args === undefined || args === null) {
    if (inputs.length === 0) return;
    throw new WorkflowError(`script ${script}: placeholder {${inputs[0]}} has no value`, {
      hint: `call it as ${example}`,
    });
  }
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new WorkflowError(`script ${script}: its argument must be one object of placeholder values`, {
      hint: `call it as ${example}`,
    });
  }
  const given = args as Record<string, unknown>;
  for (const name of inputs) {
    if (given[name] === undefined) {
      throw new WorkflowError(`script ${script}: placeholder {${name}} has no value`, {
        hint: `call it as ${example}`,
      });
    }
  }
  for (const key of Object.keys(given)) {
    if (outputs.includes(key)) {
      throw new WorkflowError(
        `script ${script}: {${key}} is an output; its path comes from the outputs option`,
        {
          hint: `leave ${key} out of the call`,
        },
      );
    }
    if (!inputs.includes(key)) {
      const known = inputs.length === 0 ? 'none' : inputs.map((name) => `{${name}}`).join(', ');
      throw new WorkflowError(`script ${script}: '${key}' is not a placeholder of its command`, {
        hint: `its placeholders are ${known}`,
      });
    }
    checkValue(given[key], script, key, isLazy);
  }
}

function checkValue(value: unknown, script: string, name: string, isLazy: (value: unknown) => boolean): void {
  // A staged File is fine here: a remote job stages it in before the command is filled.
  if (isLazy(value) || isFile(value) || isDir(value)) return;
  if (Array.isArray(value)) for (const item of value) checkValue(item, script, name, isLazy);
  else shellText(value, script, name);
}
