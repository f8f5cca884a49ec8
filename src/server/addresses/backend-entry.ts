import { BlockList } from 'node:net';
import { parseCidr } from './ip-match.js';

/** One `backendAllowlist` entry: a host name or an address range, and a port (null: any port). */
export type BackendEntry = ({ kind: 'name'; name: string } | { kind: 'range'; range: BlockList }) & { port: number | null };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

/** The same name whether written with its root dot or not, in any case. */
export const normalName = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Parses "api.openai.com", "openrouter.ai:443", "192.168.1.5", "10.0.0.0/8:8080", "::1", "fd00::/8" or
 * "[::1]:8080" (an IPv6 address or range takes brackets when it has a port); null when it is none of them.
 */
export function parseBackendEntry(text: string): BackendEntry | null {
  const trimmed = text.trim();
  let host = trimmed;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (parseCidr(host)?.family !== 'ipv6') return null;
  } else if (parseCidr(trimmed) === null) {
    // Not a bare address or range (which covers IPv6, colons and all): the last colon may start a port.
    const colon = trimmed.lastIndexOf(':');
    if (colon >= 0) {
      host = trimmed.slice(0, colon);
      portText = trimmed.slice(colon + 1);
    }
  }
  let port: number | null = null;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return null;
    port = Number(portText);
    if (port < 1 || port > 65535) return null;
  }
  const cidr = parseCidr(host);
  if (cidr) {
    const range = new BlockList();
    range.addSubnet(cidr.address, cidr.prefix, cidr.family);
    return { kind: 'range', range, port };
  }
  if (!HOST_NAME.test(host.replace(/\.$/, '')) || /^[\d.]+$/.test(host)) return null;
  return { kind: 'name', name: normalName(host), port };
}
