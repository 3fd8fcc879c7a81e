import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRedisUrl, isClusterUrl, parseClusterUrl } from './url.ts';

test('a cluster URL names its seed nodes; the port defaults to 6379', () => {
  assert.deepEqual(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2,redis-3.internal:7002/'), {
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 6379 },
      { host: 'redis-3.internal', port: 7002 },
    ],
    tls: false,
  });
});

test('rediss+cluster is TLS; credentials (percent-decoded) apply to every node; IPv6 loses its brackets', () => {
  assert.deepEqual(parseClusterUrl('rediss+cluster://app:p%40ss:w@[::1]:7000,[fd00::2]:7001'), {
    nodes: [
      { host: '::1', port: 7000 },
      { host: 'fd00::2', port: 7001 },
    ],
    tls: true,
    username: 'app',
    password: 'p@ss:w',
  });
  assert.deepEqual(parseClusterUrl('redis+cluster://:secret@h:1'), { nodes: [{ host: 'h', port: 1 }], tls: false, password: 'secret' });
});

test('a cluster URL with a database, a query, no node or a bad port is refused', () => {
  for (const url of ['redis+cluster://h:6379/1', 'redis+cluster://h:6379?db=1', 'redis+cluster://', 'redis+cluster://a@', 'redis+cluster://h:99999', 'redis+cluster://a,,b', 'redis+cluster://h:x']) {
    assert.throws(() => parseClusterUrl(url), Error, url);
  }
});

test('single-server URLs are not clusters and stay valid; other schemes are refused', () => {
  assert.equal(isClusterUrl('redis://h:6379'), false);
  assert.equal(isClusterUrl('rediss+cluster://h:6379'), true);
  assert.doesNotThrow(() => checkRedisUrl('redis://:pw@h:6379/2'));
  assert.doesNotThrow(() => checkRedisUrl('rediss://h'));
  assert.doesNotThrow(() => checkRedisUrl('redis+cluster://a:1,b:2'));
  assert.throws(() => checkRedisUrl('http://h'), /redis\+cluster:\/\//);
  assert.throws(() => checkRedisUrl('redis+cluster://a:1/0'), /no database/);
});
