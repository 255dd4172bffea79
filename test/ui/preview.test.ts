// How values, command lines and job timings are prepared for the page: bounded text with secrets
// masked, and bars packed on lanes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redactArgv } from '../../src/ui/data.ts';
import { labelArguments, previewText, renderPreview } from '../../src/ui/preview.ts';
import { buildTimeline } from '../../src/ui/timeline.ts';
import type { JobRow } from '../../src/ui/job-rows.ts';

describe('value previews', () => {
  test('structured-clone values render as indented text, with cycles and types named', () => {
    const value: Record<string, unknown> = {
      n: 1n,
      when: new Date(0),
      tags: new Set(['a']),
      map: new Map([['k', -0]]),
      bytes: new Uint8Array(3),
    };
    value.self = value;
    const { text, truncated } = renderPreview(value);
    assert.equal(truncated, false);
    assert.equal(
      text,
      [
        '{',
        '  "n": 1n,',
        '  "when": 1970-01-01T00:00:00.000Z,',
        '  "tags": Set(1) [',
        '    "a"',
        '  ],',
        '  "map": Map(1) {',
        '    "k": -0',
        '  },',
        '  "bytes": Uint8Array(3 bytes),',
        '  "self": [circular]',
        '}',
      ].join('\n'),
    );
  });

  test('large values are cut to a bounded text and say so', () => {
    const many = renderPreview(Array.from({ length: 150 }, (_, i) => i));
    assert.match(many.text, /… 50 more/);
    const long = renderPreview(Array.from({ length: 100 }, () => 'x'.repeat(1_000)));
    assert.equal(long.truncated, true);
    assert.ok(long.text.length < 25_000);
  });

  test('secrets are masked by key, by parameter name and inside URLs', () => {
    const { text } = renderPreview({ password: 'p', nested: { apiKey: 'k' }, url: 'postgres://u:pw@db/x' });
    assert.ok(!/"p"|"k"|:pw@/.test(text), text);
    assert.match(text, /"password": \*\*\*/);
    assert.match(text, /postgres:\/\/u:\*\*\*@db\/x/);
    assert.deepEqual(labelArguments(['alice', 's3cret'], '(user, token) => login(user, token)'), {
      user: 'alice',
      token: 's3cret',
    });
    const labelled = previewText('["alice","s3cret"]', '(user, token) => login(user, token)');
    assert.ok(labelled && 'text' in labelled && !labelled.text.includes('s3cret'));
    assert.deepEqual(
      redactArgv(['run', 'wf.ts', '--token', 'abc', '--secret-key=def', '-o', 'password=ghi', '--n', '3']),
      ['run', 'wf.ts', '--token', '***', '--secret-key=***', '-o', 'password=***', '--n', '3'],
    );
  });
});

describe('timeline', () => {
  const row = (id: string, executor: string, start: number, end: number): JobRow => ({
    id,
    parentId: null,
    taskName: 't',
    status: 'done',
    executor,
    attempt: 1,
    queuedAt: start,
    startedAt: start,
    endedAt: end,
    durationMs: end - start,
    cachedFromExecutionId: null,
    argsPreview: null,
    error: null,
  });

  test('bars that overlap go on separate lanes of their executor; later ones reuse freed lanes', () => {
    const timeline = buildTimeline([
      row('a', 'x', 1000, 1100),
      row('b', 'x', 1050, 1200),
      row('c', 'x', 1150, 1300),
      row('d', 'y', 1000, 1010),
    ]);
    assert.equal(timeline.start, 1000);
    assert.equal(timeline.span, 300);
    const x = timeline.groups.find((g) => g.executor === 'x')!;
    assert.equal(x.lanes, 2);
    const lanes = [];
    for (let i = 0; i < x.bars.length; i += 5) lanes.push([timeline.ids[x.bars[i]!], x.bars[i + 1]]);
    assert.deepEqual(lanes, [
      ['a', 0],
      ['b', 1],
      ['c', 0],
    ]);
  });
});
