import { BlockList, isIP } from 'node:net';

/** Addresses of this machine and of private networks: loopback, RFC 1918, carrier NAT, link-local, unique local. */
const PRIVATE = new BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(address, prefix, 'ipv6');
}

/**
 * Whether a URL's host (as the URL parser wrote it: IPv4 in dotted quads, IPv6 in brackets) names this machine or a
 * private network: an address in those ranges (IPv4-mapped IPv6 included), or `localhost` and its subdomains.
 * Other names are not resolved, so a name pointing inward is not caught here; backendAllowlist is the full answer.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  // The URL parser writes a mapped address in hex (::ffff:7f00:1): read it back as IPv4.
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (hexMapped) {
    const [hi, lo] = [parseInt(hexMapped[1]!, 16), parseInt(hexMapped[2]!, 16)];
    return PRIVATE.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  const version = isIP(host);
  if (version === 0) return false;
  return PRIVATE.check(host, version === 4 ? 'ipv4' : 'ipv6');
}
