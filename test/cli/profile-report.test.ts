// The tables of `baton profile`, from profiles whose numbers are known.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCpu, formatHeap, summarizeCpu, summarizeHeap } from '../../src/cli/profile-report.ts';
import type { CpuProfile, HeapSamplingNode } from '../../src/worker/thread-profiles.ts';

const frame = (functionName: string, line = 0) => ({
  functionName,
  url: functionName.startsWith('(') ? '' : 'file:///app/wf.ts',
  lineNumber: line,
  columnNumber: 0,
});

/** root → main → (work → hash, parse); (idle) beside; 1 ms per sample. */
function cpuProfile(samples: number[]): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 6] },
      { id: 2, callFrame: frame('main', 1), children: [3] },
      { id: 3, callFrame: frame('work', 10), children: [4, 5] },
      { id: 4, callFrame: frame('hash', 20) },
      { id: 5, callFrame: frame('parse', 30) },
      { id: 6, callFrame: frame('(idle)') },
    ],
    startTime: 0,
    endTime: samples.length * 1000,
    samples,
  };
}

describe('profile report', () => {
  test('self time goes to the sampled function, total time to every function on its stack', () => {
    const summary = summarizeCpu([cpuProfile([4, 4, 4, 5, 3, 6, 6, 6, 6, 6])]);
    const by = new Map(summary.rows.map((row) => [row.name, row]));
    assert.equal(summary.sampled, 10);
    assert.equal(summary.idle, 5);
    assert.deepEqual([by.get('hash')!.self, by.get('hash')!.total], [3, 3]);
    assert.deepEqual([by.get('work')!.self, by.get('work')!.total], [1, 5]);
    assert.deepEqual([by.get('main')!.self, by.get('main')!.total], [0, 5]);
    assert.equal(by.get('hash')!.location, '/app/wf.ts:21');
    assert.equal(summary.rows[0]!.name, '(idle)');
  });

  test('profiles of several threads add up', () => {
    const one = summarizeCpu([cpuProfile([4, 4])]);
    const two = summarizeCpu([cpuProfile([4, 4]), cpuProfile([4, 5])]);
    const hash = (rows: typeof one.rows) => rows.find((row) => row.name === 'hash')!.self;
    assert.equal(hash(one.rows), 2);
    assert.equal(hash(two.rows), 3);
    assert.equal(two.sampled, 4);
  });

  test('the CPU table leaves idle time out of the percentages and lists the top rows by self time', () => {
    const text = formatCpu(summarizeCpu([cpuProfile([4, 4, 4, 5, 3, 6, 6, 6, 6, 6])]), 2);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^busy 0\.01 s of 0\.01 s sampled \(idle 50\.0%\)$/);
    assert.match(lines[1]!, /^SELF ms\s+SELF%\s+TOTAL ms\s+TOTAL%\s+FUNCTION\s+LOCATION$/);
    assert.match(lines[2]!, /^\s*3\.0\s+60\.0%\s+3\.0\s+60\.0%\s+hash\s+\/app\/wf\.ts:21$/);
    assert.equal(lines.length, 4, 'two rows under the header');
    assert.doesNotMatch(text, /\(idle\)\s/);
  });

  test('heap sites: live bytes per allocating function, callees counted in the total once', () => {
    const node = (name: string, selfSize: number, children: HeapSamplingNode[] = []): HeapSamplingNode => ({
      callFrame: frame(name),
      selfSize,
      children,
    });
    // `build` calls itself: its total counts the recursion once.
    const head = node('(root)', 0, [
      node('build', 100, [node('build', 50, [node('alloc', 1000)])]),
      node('other', 10),
    ]);
    const rows = summarizeHeap([head]);
    const by = new Map(rows.map((row) => [row.name, row]));
    assert.deepEqual([by.get('alloc')!.self, by.get('alloc')!.total], [1000, 1000]);
    assert.deepEqual([by.get('build')!.self, by.get('build')!.total], [150, 1150]);
    assert.equal(rows[0]!.name, 'alloc');
    const text = formatHeap(
      [
        {
          thread: 'main',
          heap: { usage: { usedSize: 3 * 1024 * 1024, totalSize: 8 * 1024 * 1024 }, sampling: { head } },
        },
      ],
      5,
    );
    assert.match(text, /^\s*3\.0 MiB\s+8\.0 MiB\s+main$/m);
    assert.match(text, /live allocations sampled: 1\.1 KiB/);
    assert.match(text, /^\s*1000 B\s+86\.2%\s+1000 B\s+alloc\s+\/app\/wf\.ts:1$/m);
  });
});
