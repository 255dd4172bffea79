// Runs the unit and integration tests that need no external service, with Node's own test runner.
// `npm test -- test/store` runs a subset.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const requested = process.argv.slice(2);
const patterns =
  requested.length > 0
    ? requested.map((p) => (p.endsWith('.ts') ? p : `${p}/**/*.test.ts`))
    : ['test/**/*.test.ts'];
const files = patterns
  .flatMap((pattern) => globSync(pattern))
  .filter((file) => !file.includes('/fixtures/') && !file.includes('/services/'))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${patterns.join(' ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--conditions=baton-source', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
