import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConfig, isSecretKey, redact, type BatonConfig } from '../../src/config/index.ts';

test('passwords inside URLs are masked', () => {
  assert.equal(redact('redis://:pw@host:6379/0'), 'redis://:***@host:6379/0');
  assert.equal(redact('rediss://default:s3cret@cache.example.com'), 'rediss://default:***@cache.example.com');
  assert.equal(redact('postgres://ann:p@ss@db/baton'), 'postgres://ann:***@db/baton');
  assert.equal(
    redact('postgres://db/baton?user=ann&password=x&sslmode=require'),
    'postgres://db/baton?user=ann&password=***&sslmode=require',
  );
});

test('URLs without a password and other strings are left as they are', () => {
  assert.equal(redact('postgres://ann@db/baton'), 'postgres://ann@db/baton');
  assert.equal(redact('s3://bucket/baton'), 's3://bucket/baton');
  assert.equal(redact('user:pw but no scheme'), 'user:pw but no scheme');
});

test('values of keys named like secrets are masked, at any depth', () => {
  assert.deepEqual(
    redact({
      password: 'a',
      api_key: 'b',
      sessionToken: 'c',
      credentials: { user: 'x' },
      env: { AWS_SECRET_ACCESS_KEY: 'd', REGION: 'eu-west-1' },
      queue: 'main',
      max_tokens: 10,
      url: 'redis://:pw@h',
    }),
    {
      password: '***',
      api_key: '***',
      sessionToken: '***',
      credentials: '***',
      env: { AWS_SECRET_ACCESS_KEY: '***', REGION: 'eu-west-1' },
      queue: 'main',
      max_tokens: 10,
      url: 'redis://:***@h',
    },
  );
});

test('isSecretKey tells secret keys from ordinary ones', () => {
  for (const key of ['password', 'db_password', 'token', 'privateKey', 'client_secret', 'credentials'])
    assert.ok(isSecretKey(key), key);
  for (const key of ['queue', 'max_workers', 'max_tokens', 'keyboard', 'image'])
    assert.ok(!isSecretKey(key), key);
});

test('describeConfig shows every executor with secrets redacted', () => {
  const config: BatonConfig = {
    file: '/p/baton.toml',
    root: '/p',
    backend: { db: 'postgres://ann:pw@db/baton', valuesDir: '/p/.baton/values' },
    executors: {
      default: { type: 'local', mode: 'threads', max_workers: 4 },
      fleet: { type: 'fleet', url: 'redis://:pw@host', queue: 'q', token: 'abc' },
    },
  };
  assert.deepEqual(describeConfig(config), {
    file: '/p/baton.toml',
    root: '/p',
    backend: { db: 'postgres://ann:***@db/baton', valuesDir: '/p/.baton/values' },
    executors: {
      default: { type: 'local', mode: 'threads', max_workers: 4 },
      fleet: { type: 'fleet', url: 'redis://:***@host', queue: 'q', token: '***' },
    },
  });
});
