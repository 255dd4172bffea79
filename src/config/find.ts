// Where baton.toml is: `--config`, then BATON_CONFIG, then the nearest one above the working directory.
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';

export const CONFIG_FILE_NAME = 'baton.toml';

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function mustExist(path: string, given: string, source: string): string {
  if (isFile(path)) return path;
  const what = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? 'is a directory' : 'does not exist';
  throw new ConfigError(
    `config file ${given} (from ${source}) ${what}`,
    { file: path },
    { hint: `point ${source} at a baton.toml file, or leave it out to use the nearest ${CONFIG_FILE_NAME}` },
  );
}

/**
 * The absolute path of the config file to use, or undefined when there is none (the embedded defaults
 * apply). `explicit` (`--config`) and BATON_CONFIG resolve against `cwd` and must name an existing file.
 */
export function findConfigFile(opts: {
  explicit?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd: string;
}): string | undefined {
  const cwd = resolve(opts.cwd);
  if (opts.explicit !== undefined && opts.explicit !== '') {
    return mustExist(resolve(cwd, opts.explicit), opts.explicit, '--config');
  }
  const fromEnv = (opts.env ?? process.env)['BATON_CONFIG'];
  if (fromEnv !== undefined && fromEnv !== '')
    return mustExist(resolve(cwd, fromEnv), fromEnv, 'BATON_CONFIG');
  for (let dir = cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (isFile(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
