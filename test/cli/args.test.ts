import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractGlobalOptions, parseValue } from '../../src/cli/args.ts';
import { isPlainData, renderResult } from '../../src/cli/output.ts';
import { bindArguments, splitRunArgs } from '../../src/cli/params.ts';
import { locationInStack } from '../../src/cli/workflow.ts';
import { UsageError } from '../../src/errors.ts';

const param = (name: string, defaultSource?: string, rest = false) => ({ name, defaultSource, rest });

describe('command-line parsing', () => {
  test('--verbose and --config are taken from anywhere before --', () => {
    const { globals, rest } = extractGlobalOptions([
      'run',
      '--verbose',
      'wf.ts',
      '--config=x.toml',
      'main',
      '--',
      '--verbose',
    ]);
    assert.deepEqual(globals, { verbose: true, configPath: 'x.toml' });
    assert.deepEqual(rest, ['run', 'wf.ts', 'main', '--', '--verbose']);
    assert.throws(() => extractGlobalOptions(['--config']), UsageError);
  });

  test('run arguments split into baton options, FILE TASK, and task parameters', () => {
    const split = splitRunArgs([
      'wf.ts',
      'main',
      '--url',
      'https://x',
      '--C=0.5',
      '--dry-run',
      '-o',
      'memory=4',
      '--neg',
      '-1',
      '--flag',
      '--',
      '--help',
      'me',
    ]);
    assert.deepEqual(split.positionals, ['wf.ts', 'main']);
    assert.deepEqual(split.own, ['--dry-run', '-o', 'memory=4']);
    assert.deepEqual(split.taskArgs, [
      { name: 'url', value: 'https://x' },
      { name: 'C', value: '0.5' },
      { name: 'neg', value: '-1' },
      { name: 'flag', value: true },
      { name: 'help', value: 'me' },
    ]);
  });

  test('values are JSON when they parse, text otherwise', () => {
    assert.equal(parseValue('0.5'), 0.5);
    assert.deepEqual(parseValue('{"a":[1]}'), { a: [1] });
    assert.equal(parseValue('hello'), 'hello');
    assert.equal(parseValue('"007"'), '007');
  });

  test('arguments bind by name; defaults may be left out; rest parameters take repeated values', () => {
    const params = [param('url'), param('C', '1.0'), param('tags', undefined, true)];
    assert.deepEqual(bindArguments('t', params, [{ name: 'url', value: 'u' }]), ['u']);
    assert.deepEqual(
      bindArguments('t', params, [
        { name: 'tags', value: 'a' },
        { name: 'url', value: 'u' },
        { name: 'tags', value: '2' },
      ]),
      ['u', undefined, 'a', 2],
    );
    assert.throws(() => bindArguments('t', params, []), /task t needs --url/);
    assert.throws(
      () =>
        bindArguments('t', params, [
          { name: 'url', value: 'a' },
          { name: 'url', value: 'b' },
        ]),
      /given more than once/,
    );
    assert.throws(
      () =>
        bindArguments('t', params, [
          { name: 'url', value: 'a' },
          { name: 'x', value: '1' },
        ]),
      /task t has no parameter --x/,
    );
  });
});

describe('result output', () => {
  test('plain data is JSON; strings are raw; other values use util.inspect', () => {
    assert.equal(
      renderResult({ a: [1, 'x', null] }, { colors: false }),
      '{\n  "a": [\n    1,\n    "x",\n    null\n  ]\n}\n',
    );
    assert.equal(renderResult('text', { colors: false }), 'text\n');
    assert.equal(renderResult(undefined, { colors: false }), '');
    assert.equal(renderResult(10n, { colors: false }), '10n\n');
    assert.equal(isPlainData({ a: undefined }), false);
    assert.equal(isPlainData([Number.NaN]), false);
    assert.equal(isPlainData(new Date(0)), false);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.equal(isPlainData(cyclic), false);
  });
});

describe('syntax error locations', () => {
  test('the file, line and caret column come from the stack Node gives', () => {
    const stack = '/p/wf.ts:2\nconst a = 1;\nconst b = {;\n           ^\n\nSyntaxError: Unexpected token';
    assert.deepEqual(locationInStack(stack), { path: '/p/wf.ts', line: 2, column: 12 });
    const withBlankLines =
      '/p/wf.ts:3\n\nconst f = (x: number => x);\n                      ^\nconst g = 1;\n\nSyntaxError: Expected';
    assert.deepEqual(locationInStack(withBlankLines), { path: '/p/wf.ts', line: 3, column: 23 });
    assert.equal(locationInStack('SyntaxError: x\n    at f (node:internal)'), undefined);
  });
});
