// Runs the suites that need real services the machine must provide (podman and runc for containers;
// Slurm, Redis and PostgreSQL as later suites arrive). Under CI=true a missing service fails its suite.
// `npm run test:services -- test/services/container` runs a subset.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const requested = process.argv.slice(2);
const patterns =
  requested.length > 0
    ? requested.map((p) => (p.endsWith('.ts') ? p : `${p}/**/*.test.ts`))
    : ['test/services/**/*.test.ts'];
const files = patterns.flatMap((pattern) => globSync(pattern)).sort();
if (files.length === 0) {
  console.error(`no test files match ${patterns.join(' ')}`);
  process.exit(1);
}
// One file at a time: the suites share the machine's engines and would only slow each other down.
const result = spawnSync(
  process.execPath,
  ['--conditions=baton-source', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
