// Runs every benchmark, each in a fresh process (so one's memory or warm state never helps another),
// and prints a summary of the ratios against their targets.
//   npm run bench            (or: node --conditions=baton-source bench/run.ts)
import { spawnSync } from 'node:child_process';
import { againstTarget, met, type BenchResult } from './harness.ts';

const suites: Array<{ file: string; args: string[] }> = [
  { file: 'fanout.ts', args: ['none'] },
  { file: 'fanout.ts', args: ['backend'] },
  { file: 'graph-memory.ts', args: [] },
  { file: 'round-trip.ts', args: [] },
  { file: 'map.ts', args: [] },
  { file: 'map-makespan.ts', args: [] },
  { file: 'container.ts', args: [] },
  { file: 'slurm.ts', args: [] },
  { file: 'kubernetes.ts', args: [] },
  { file: 'aws-batch.ts', args: [] },
  { file: 'code-package.ts', args: [] },
  { file: 'fleet.ts', args: [] },
  { file: 'store-postgres.ts', args: [] },
  { file: 'ui.ts', args: [] },
];

const results: BenchResult[] = [];
for (const { file, args } of suites) {
  const script = new URL(`./${file}`, import.meta.url).pathname;
  console.log(`\n$ node --conditions=baton-source bench/${file} ${args.join(' ')}`.trimEnd());
  const child = spawnSync(process.execPath, ['--conditions=baton-source', script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of child.stdout.split('\n')) {
    if (line.startsWith('BENCH_RESULT ')) results.push(JSON.parse(line.slice('BENCH_RESULT '.length)));
    else if (line) console.log(line);
  }
  if (child.status !== 0) {
    console.error(`bench/${file} failed with exit code ${child.status}`);
    process.exitCode = 1;
  }
}

console.log('\nsummary');
for (const result of results) {
  console.log(`  ${met(result) ? 'met   ' : 'MISSED'} ${result.name}: ${againstTarget(result)}`);
}
