// The options of a fleet section: required url, defaults, durations, and the password kept out of sight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/errors.ts';
import {
  FleetExecutor,
  redisOptions,
  resolveFleetOptions,
  validateFleetOptions,
} from '../../../src/executors/fleet/index.ts';

test('a fleet section needs a redis:// or rediss:// url', () => {
  const missing = validateFleetOptions({});
  assert.equal(missing.ok, false);
  assert.deepEqual(!missing.ok && missing.issues.map((issue) => issue.key), ['url']);
  const http = validateFleetOptions({ url: 'http://example.com' });
  assert.equal(http.ok, false);
  assert.match(!http.ok ? http.issues[0]!.message : '', /redis:\/\//);
  assert.throws(() => resolveFleetOptions('pool', { url: 'tcp://x' }), ConfigError);
});

test('defaults are filled in and durations become seconds', () => {
  const options = resolveFleetOptions('pool', {
    url: 'redis://127.0.0.1:6379',
    lock_duration: '500ms',
    result_ttl: '2h',
  });
  assert.equal(options.queue, 'baton');
  assert.equal(options.prefix, 'baton');
  assert.equal(options.lock_duration, 0.5);
  assert.equal(options.result_ttl, 7200);
  assert.equal(options.locality_wait, 2);
  assert.equal(options.batch_size, 512);
  assert.equal(options.max_stalls, 2);
});

test('unknown keys and bad values name the key', () => {
  const result = validateFleetOptions({ url: 'redis://h', queue: 'a b', lock_durtion: 3 });
  assert.equal(result.ok, false);
  const keys = !result.ok ? result.issues.map((issue) => issue.key).sort() : [];
  assert.deepEqual(keys, ['lock_durtion', 'queue']);
});

test('describe() shows the url without its password', () => {
  const executor = new FleetExecutor(
    'pool',
    resolveFleetOptions('pool', { url: 'rediss://worker:s3cret@redis.example.com:6380/2' }),
  );
  const described = JSON.stringify(executor.describe());
  assert.ok(!described.includes('s3cret'), described);
  assert.match(described, /rediss:\/\/worker:\*\*\*@redis\.example\.com:6380\/2/);
});

test('the url becomes ioredis options: user, password, database and TLS', () => {
  const options = resolveFleetOptions('pool', {
    url: 'rediss://worker:p%40ss@redis.example.com:6380/2',
    tls_insecure: true,
  });
  const connection = redisOptions(options, '/', 'executor pool');
  assert.equal(connection.host, 'redis.example.com');
  assert.equal(connection.port, 6380);
  assert.equal(connection.username, 'worker');
  assert.equal(connection.password, 'p@ss');
  assert.equal(connection.db, 2);
  assert.equal((connection.tls as { rejectUnauthorized: boolean }).rejectUnauthorized, false);
  const plain = redisOptions(resolveFleetOptions('pool', { url: 'redis://h' }), '/', 'executor pool');
  assert.equal(plain.tls, undefined);
  assert.equal(plain.port, 6379);
  assert.throws(
    () => redisOptions(resolveFleetOptions('pool', { url: 'redis://h/x' }), '/', 'executor pool'),
    /names database 'x'/,
  );
});
