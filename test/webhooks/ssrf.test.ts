import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embeddedIpv4, ipv6Groups, isBlockedAddress } from '../../src/webhooks/ssrf.js';

/** SPEC §3.4, issue 13 item 7 — every address class, including the IPv6 forms that carry an IPv4 address. */
const CASES: Array<[address: string, blocked: boolean, why: string]> = [
  ['127.0.0.1', true, 'loopback'],
  ['127.255.0.9', true, 'loopback'],
  ['10.0.0.1', true, 'RFC 1918'],
  ['172.16.5.4', true, 'RFC 1918'],
  ['172.31.255.255', true, 'RFC 1918'],
  ['192.168.1.1', true, 'RFC 1918'],
  ['169.254.169.254', true, 'metadata'],
  ['100.64.0.1', true, 'CGNAT'],
  ['100.127.255.254', true, 'CGNAT'],
  ['0.0.0.0', true, 'this network'],
  ['224.0.0.1', true, 'multicast'],
  ['192.88.99.1', true, '6to4 relay anycast'],
  ['255.255.255.255', true, 'broadcast'],
  ['93.184.215.14', false, 'public'],
  ['8.8.8.8', false, 'public'],
  ['172.32.0.1', false, 'just outside RFC 1918'],
  ['100.128.0.1', false, 'just outside CGNAT'],
  ['::1', true, 'IPv6 loopback'],
  ['::', true, 'unspecified'],
  ['fd00:ec2::254', true, 'unique-local (AWS metadata)'],
  ['fc00::1', true, 'unique-local'],
  ['fe80::1', true, 'link-local'],
  ['fe80::1%eth0', true, 'link-local with a zone'],
  ['fec0::1', true, 'site-local'],
  ['ff02::1', true, 'multicast'],
  ['2001:db8::1', true, 'documentation'],
  ['2606:4700::1111', false, 'public IPv6'],
  // IPv4-mapped
  ['::ffff:127.0.0.1', true, 'mapped loopback'],
  ['::ffff:7f00:1', true, 'mapped loopback, hex'],
  ['::ffff:169.254.169.254', true, 'mapped metadata'],
  ['::ffff:8.8.8.8', false, 'mapped public'],
  ['0:0:0:0:0:ffff:a00:1', true, 'mapped 10.0.0.1, uncompressed'],
  // IPv4-compatible (deprecated) ::a.b.c.d
  ['::127.0.0.1', true, 'compatible loopback'],
  ['::a9fe:a9fe', true, 'compatible metadata, hex'],
  ['::10.1.2.3', true, 'compatible private'],
  ['::8.8.8.8', false, 'compatible public'],
  // SIIT ::ffff:0:a.b.c.d
  ['::ffff:0:127.0.0.1', true, 'SIIT loopback'],
  ['::ffff:0:a9fe:a9fe', true, 'SIIT metadata, hex'],
  ['::ffff:0:8.8.8.8', false, 'SIIT public'],
  // NAT64 well-known prefix 64:ff9b::/96
  ['64:ff9b::10.0.0.1', true, 'NAT64 private'],
  ['64:ff9b::a9fe:a9fe', true, 'NAT64 metadata, hex'],
  ['64:ff9b::8.8.8.8', false, 'NAT64 public'],
  // Local-use NAT64 64:ff9b:1::/48 — the operator's network whatever it embeds
  ['64:ff9b:1::8.8.8.8', true, 'local-use NAT64'],
  ['64:ff9b:1:abcd::1', true, 'local-use NAT64'],
  // 6to4 2002:AABB:CCDD::/48
  ['2002:7f00:1::1', true, '6to4 of 127.0.0.1'],
  ['2002:a9fe:a9fe::', true, '6to4 of 169.254.169.254'],
  ['2002:c0a8:101::5', true, '6to4 of 192.168.1.1'],
  ['2002:808:808::1', false, '6to4 of 8.8.8.8'],
  // Teredo 2001::/32: server in groups 2-3, client inverted in groups 6-7
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', true, 'Teredo client 127.0.0.1'],
  ['2001:0:4136:e378:8000:63bf:5601:5656', true, 'Teredo client 169.254.169.254'],
  ['2001:0:a00:1:8000:63bf:f7f7:f7f7', true, 'Teredo server 10.0.0.1'],
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false, 'Teredo client 8.8.8.8 via a public server'],
  ['2001:10::1', true, 'ORCHID'],
  ['not-an-address', false, 'a hostname is judged after resolution'],
];

describe('SSRF address classes (SPEC §3.4, issue 13 item 7)', () => {
  for (const [address, blocked, why] of CASES) {
    it(`${blocked ? 'blocks' : 'allows'} ${address} (${why})`, () => {
      assert.equal(isBlockedAddress(address), blocked, `${address}: ${why}`);
      assert.equal(isBlockedAddress(`[${address}]`), blocked, `[${address}] in URL brackets`);
    });
  }

  it('expands IPv6 text into groups, and finds the IPv4 address each transition form carries', () => {
    assert.deepEqual(ipv6Groups('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    assert.deepEqual(ipv6Groups('2001:db8::'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]);
    assert.equal(ipv6Groups('1::2::3'), undefined);
    assert.equal(ipv6Groups('1:2:3:4:5:6:7:8:9'), undefined);
    const v4 = (address: string) => embeddedIpv4(ipv6Groups(address)!);
    assert.deepEqual(v4('::1.2.3.4'), ['1.2.3.4']);
    assert.deepEqual(v4('::ffff:0:1.2.3.4'), ['1.2.3.4']);
    assert.deepEqual(v4('64:ff9b::1.2.3.4'), ['1.2.3.4']);
    assert.deepEqual(v4('2002:102:304::'), ['1.2.3.4']);
    assert.deepEqual(v4('2001:0:4136:e378:8000:63bf:3fff:fdd2'), ['65.54.227.120', '192.0.2.45']);
    assert.deepEqual(v4('2606:4700::1111'), []);
  });
});
