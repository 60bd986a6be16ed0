// Addresses a server-side request made on a tenant's behalf must never reach: this machine, the private
// network behind it, cloud metadata endpoints, and every encoding that leads back to them.
import { BlockList, isIP } from 'node:net';

type Range = [network: string, prefix: number, what: string];
const V4: Range[] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT (also some cloud metadata)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const V6: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['::ffff:0:0:0', 96, 'IPv4-translated (SIIT; embeds an IPv4 address)'],
  ['::', 96, 'IPv4-compatible (deprecated; embeds an IPv4 address)'],
  ['64:ff9b::', 96, 'NAT64 (reaches IPv4 through a translator)'],
  ['64:ff9b:1::', 48, 'local NAT64'],
  ['100::', 64, 'discard'],
  ['2001::', 32, 'Teredo'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (embeds an IPv4 address)'],
  ['fc00::', 7, 'unique local (also cloud metadata)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const rangeList = (family: 'ipv4' | 'ipv6', ranges: Range[]) =>
  ranges.map(([network, prefix, what]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, what };
  });
const RANGES = { ipv4: rangeList('ipv4', V4), ipv6: rangeList('ipv6', V6) };
// Public IPv6 endpoints are global unicast (2000::/3); everything else that the ranges above do not name is
// unassigned or special, so it is refused too (a new embedding of IPv4 cannot slip through a gap in the list).
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/** Why `address` (an IP literal, brackets allowed) must not be contacted; undefined for a public address. */
export function forbiddenAddressReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  const version = isIP(bare);
  if (version === 0) return `${bare} is not an IP address`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const hit = RANGES[family].find((r) => r.list.check(bare, family));
  if (hit) return `${bare} is a ${hit.what} address`;
  if (family === 'ipv6' && !GLOBAL_UNICAST.check(bare, 'ipv6')) return `${bare} is not a global unicast address`;
  return undefined;
}
