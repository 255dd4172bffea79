import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { findConfigFile } from '../../src/config/index.ts';
import { tempProject, writeProjectFile } from './temp-project.ts';

test('finds baton.toml by walking up from the working directory', (t) => {
  const dir = tempProject(t);
  const file = writeProjectFile(dir, 'baton.toml', '');
  const deep = join(dir, 'a', 'b', 'c');
  mkdirSync(deep, { recursive: true });
  assert.equal(findConfigFile({ cwd: deep, env: {} }), file);
});

test('the nearest baton.toml wins over one further up', (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '');
  const inner = writeProjectFile(dir, 'sub/baton.toml', '');
  assert.equal(findConfigFile({ cwd: join(dir, 'sub'), env: {} }), inner);
});

test('BATON_CONFIG wins over walking up and resolves against cwd', (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '');
  const other = writeProjectFile(dir, 'conf/other.toml', '');
  assert.equal(findConfigFile({ cwd: dir, env: { BATON_CONFIG: 'conf/other.toml' } }), other);
});

test('an explicit --config path wins over BATON_CONFIG and resolves against cwd', (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '');
  writeProjectFile(dir, 'env.toml', '');
  const explicit = writeProjectFile(dir, 'explicit.toml', '');
  assert.equal(
    findConfigFile({ cwd: dir, explicit: 'explicit.toml', env: { BATON_CONFIG: 'env.toml' } }),
    explicit,
  );
});

test('an explicit --config path that does not exist is a ConfigError naming the file', (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '');
  assert.throws(
    () => findConfigFile({ cwd: dir, explicit: 'missing.toml', env: {} }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.file === join(dir, 'missing.toml') &&
      /missing\.toml.*--config.*does not exist/.test(error.message),
  );
});

test('a BATON_CONFIG that names a missing file is a ConfigError', (t) => {
  const dir = tempProject(t);
  assert.throws(
    () => findConfigFile({ cwd: dir, env: { BATON_CONFIG: 'nope.toml' } }),
    (error: unknown) => error instanceof ConfigError && /BATON_CONFIG/.test(error.message),
  );
});

test('no file anywhere above cwd gives undefined', (t) => {
  const dir = tempProject(t);
  assert.equal(findConfigFile({ cwd: dir, env: {} }), undefined);
});
