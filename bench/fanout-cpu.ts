// Where the CPU of a fan-out goes: one 100,000-call fan-out (as benchmarks 1 and 2 run it), with the
// CPU time of every thread of the process per call (Linux, from /proc), and with provenance on, the
// bytes the store holds per call, table by table. A diagnostic beside bench/fanout.ts, not a ratio.
//   node --conditions=baton-source bench/fanout-cpu.ts backend   # benchmark 2's setting
//   node --conditions=baton-source bench/fanout-cpu.ts none      # benchmark 1's (cache none, provenance off)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { RunOptions } from '../src/index.ts';
import { benchProject, checkIncremented, schedulerIn, timed } from './harness.ts';
import { fanOut } from './workflow.ts';

const N = Number(process.env.BENCH_TASKS ?? 100_000);
const mode = process.argv[2] ?? 'backend';
if (mode !== 'none' && mode !== 'backend') throw new Error(`usage: fanout-cpu.ts none|backend (got ${mode})`);
if (!existsSync('/proc/self/task'))
  throw new Error('fanout-cpu.ts reads per-thread CPU from /proc (Linux only)');

const options: RunOptions & { dryRun?: false } =
  mode === 'none' ? { cache: 'none', provenance: false } : { cache: 'backend' };

/** CPU ms (user + system) of every thread of this process, by `tid name`. */
function threadCpu(): Map<string, number> {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const cpu = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      cpu.set(`${tid} ${name}`, (Number(fields[11]) + Number(fields[12])) / ticksPerMs);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return cpu;
}

const dir = benchProject();
const scheduler = schedulerIn(dir);
checkIncremented(await scheduler.run(fanOut(1000, -1000), options), 1000, -1000);
const before = threadCpu();
const { ms, value } = await timed(async () => {
  const result = await scheduler.run(fanOut(N, 0), options);
  await scheduler.flush();
  return result;
});
const after = threadCpu();
checkIncremented(value, N, 0);
await scheduler.close();

const perCall = (cpuMs: number) => `${((cpuMs * 1000) / N).toFixed(1)} µs/call`;
console.log(
  `fan-out of ${N.toLocaleString('en-US')} calls, ${mode === 'none' ? 'cache none, provenance off' : 'backend cache, provenance on'}: ` +
    `${Math.round(N / (ms / 1000)).toLocaleString('en-US')} calls/s`,
);
console.log('CPU by thread (MainThread: the scheduler; V8Worker: garbage collection and compiling;');
console.log('WorkerThread: task workers and, with provenance on, the store writer):');
let total = 0;
const rows = [...after]
  .map(([thread, cpuMs]) => [thread, cpuMs - (before.get(thread) ?? 0)] as const)
  .filter(([, cpuMs]) => cpuMs > 0)
  .sort((a, b) => b[1] - a[1]);
for (const [thread, cpuMs] of rows) {
  total += cpuMs;
  console.log(`  ${thread.padEnd(22)} ${String(Math.round(cpuMs)).padStart(6)} ms  ${perCall(cpuMs)}`);
}
console.log(`  ${'all threads'.padEnd(22)} ${String(Math.round(total)).padStart(6)} ms  ${perCall(total)}`);

if (mode === 'backend') {
  const db = new DatabaseSync(join(dir, '.baton', 'baton.db'), { readOnly: true });
  const tables = db
    .prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
    .all() as Array<{ name: string; bytes: number }>;
  db.close();
  const calls = N + 1000 + 2; // the timed fan-out, the warm-up, and the two fan-out calls themselves
  console.log('Store size per call, by table and index:');
  let bytes = 0;
  for (const table of tables) {
    bytes += table.bytes;
    if (table.bytes >= 64 * 1024)
      console.log(`  ${table.name.padEnd(28)} ${String(Math.round(table.bytes / calls)).padStart(5)} B`);
  }
  console.log(`  ${'all'.padEnd(28)} ${String(Math.round(bytes / calls)).padStart(5)} B`);
}
