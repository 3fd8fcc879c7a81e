import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, forwardedForOf, normalizeIp, parseCidr, TrustedProxies } from './client-address.ts';

const trusted = TrustedProxies.parse(['127.0.0.1/32', '10.0.0.0/8', '2001:db8::/32', 'fd00::1']);

test('CIDR ranges: IPv4 and IPv6, single addresses, host bits ignored', () => {
  assert.ok(trusted.has('127.0.0.1'));
  assert.ok(!trusted.has('127.0.0.2'));
  assert.ok(trusted.has('10.255.0.1'));
  assert.ok(!trusted.has('11.0.0.1'));
  assert.ok(trusted.has('2001:db8:ffff::1'));
  assert.ok(trusted.has('2001:DB8::abcd'));
  assert.ok(!trusted.has('2001:db9::1'));
  assert.ok(trusted.has('fd00::1') && trusted.has('fd00:0:0::0:1'));
  assert.ok(!trusted.has('fd00::2'));
  assert.ok(TrustedProxies.parse(['10.1.2.3/8']).has('10.200.0.1'), 'host bits past the prefix are ignored');
  assert.ok(TrustedProxies.parse(['0.0.0.0/0']).has('203.0.113.7'));
  assert.ok(!TrustedProxies.parse(['0.0.0.0/0']).has('::1'), 'an IPv4 range never holds an IPv6 address');
  assert.ok(TrustedProxies.parse(['::/0']).has('::1'));
  assert.ok(TrustedProxies.parse(['192.168.1.0/23']).has('192.168.0.255'));
  assert.ok(!TrustedProxies.parse(['192.168.1.0/23']).has('192.168.2.0'));
  assert.ok(TrustedProxies.parse(['1:2:3:4:5:6:7:8/127']).has('1:2:3:4:5:6:7:9'));
});

test('IPv4-mapped IPv6 addresses match IPv4 ranges, and mapped ranges are IPv4 ranges', () => {
  assert.ok(trusted.has('::ffff:127.0.0.1'));
  assert.ok(trusted.has('::FFFF:10.9.8.7'));
  assert.ok(!trusted.has('::ffff:11.0.0.1'));
  const mapped = TrustedProxies.parse(['::ffff:10.0.0.0/104']);
  assert.ok(mapped.has('10.1.1.1') && mapped.has('::ffff:10.1.1.1') && !mapped.has('11.0.0.0'));
  assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeIp('::1'), '::1');
  assert.equal(normalizeIp('::ffff:1'), '::ffff:1');
});

test('malformed ranges are refused with a reason', () => {
  for (const bad of ['', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0/8', '300.0.0.1', 'localhost', '[::1]', '::ffff:10.0.0.0/95', '10.0.0.01', 'fe80::1%eth0', '10.0.0.0/ 8']) {
    assert.equal(typeof parseCidr(bad), 'string', bad);
  }
  assert.throws(() => TrustedProxies.parse(['10.0.0.0/8', 'nope']), /"nope" is not an IPv4 or IPv6 address/);
});

test('an untrusted peer, or no trusted ranges: the header is ignored and sourceIp is the peer', () => {
  assert.deepEqual(clientAddress('203.0.113.9', '10.1.2.3', trusted), { sourceIp: '203.0.113.9', peerIp: '203.0.113.9' });
  assert.deepEqual(clientAddress('::ffff:127.0.0.1', '203.0.113.7', undefined), { sourceIp: '127.0.0.1', peerIp: '127.0.0.1' });
  assert.deepEqual(clientAddress('127.0.0.1', undefined, trusted), { sourceIp: '127.0.0.1', peerIp: '127.0.0.1' });
});

test('from a trusted peer: the rightmost untrusted X-Forwarded-For entry is the client', () => {
  const ip = (peer: string, xff: string): string => clientAddress(peer, xff, trusted).sourceIp;
  assert.equal(ip('127.0.0.1', '203.0.113.7'), '203.0.113.7');
  assert.equal(ip('::ffff:127.0.0.1', '203.0.113.7'), '203.0.113.7', 'an IPv4-mapped peer is the IPv4 one');
  assert.equal(ip('127.0.0.1', '198.51.100.1, 203.0.113.7'), '203.0.113.7', 'a client-written left part never wins');
  assert.equal(ip('127.0.0.1', '198.51.100.1,203.0.113.7, 10.0.0.5 ,10.0.0.6'), '203.0.113.7', 'trusted hops are skipped; spaces ignored');
  assert.equal(ip('127.0.0.1', '10.0.0.5, 10.0.0.6'), '10.0.0.5', 'every hop trusted: the leftmost');
  assert.equal(ip('127.0.0.1', '2001:db9::7'), '2001:db9::7');
  assert.equal(ip('2001:db8::1', '2001:db9::7, 2001:db8::2'), '2001:db9::7', 'IPv6 peer and hops');
  assert.equal(ip('127.0.0.1', '::ffff:203.0.113.7'), '203.0.113.7', 'a mapped entry is reported as IPv4');
  assert.equal(ip('127.0.0.1', 'garbage, 203.0.113.7'), '203.0.113.7', 'garbage left of the client is never read');
  assert.equal(clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.7', trusted).peerIp, '127.0.0.1');
});

test('a malformed entry where the walk reads it: the TCP peer, with the entry reported', () => {
  for (const xff of ['203.0.113.7, garbage', '203.0.113.7:4711', '[2001:db9::7]', '203.0.113.7,', '', 'unknown', '203.0.113.7, 10.0.0.5, fe80::1%eth0', '203.0.113.7 10.0.0.5', '0x7f.1']) {
    const got = clientAddress('127.0.0.1', xff, trusted);
    assert.equal(got.sourceIp, '127.0.0.1', xff);
    assert.equal(typeof got.malformed, 'string', xff);
  }
});

test('several X-Forwarded-For fields are one list, in order', () => {
  const raw = ['Host', 'x', 'X-Forwarded-For', '198.51.100.1', 'accept', '*/*', 'x-forwarded-for', '203.0.113.7, 10.0.0.5'];
  assert.equal(forwardedForOf(raw), '198.51.100.1,203.0.113.7, 10.0.0.5');
  assert.equal(clientAddress('127.0.0.1', forwardedForOf(raw), trusted).sourceIp, '203.0.113.7');
  assert.equal(forwardedForOf(['Host', 'x']), undefined);
});
