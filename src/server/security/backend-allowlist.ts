import { BlockList } from 'node:net';
import { parseCidr } from './ip-match.js';

/** One `backendAllowlist` entry: a host name or an address range, and a port (null: any port). */
export type BackendEntry = ({ kind: 'name'; name: string } | { kind: 'range'; range: BlockList }) & { port: number | null };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

/** The same name whether written with its root dot or not, in any case. */
const normalName = (name: string) => name.toLowerCase().replace(/\.$/, '');

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

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The operator's `backendAllowlist`: the only addresses connection profiles may send requests to, so that users of
 * a shared server cannot make it probe the operator's network. Names are compared as written, never resolved: an
 * address range admits only URLs written with an address in it. An empty list admits every address.
 */
export class BackendAllowlist {
  readonly #entries: BackendEntry[];

  constructor(entries: readonly string[]) {
    this.#entries = entries.map((text) => {
      const entry = parseBackendEntry(text);
      if (!entry) throw new Error(`not a host name, IP address or CIDR range (with an optional :port): ${text}`);
      return entry;
    });
  }

  /** False when the list is empty: every address is allowed. */
  get restricted(): boolean {
    return this.#entries.length > 0;
  }

  allows(url: URL): boolean {
    if (!this.restricted) return true;
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    // The URL parser already wrote every IPv4 form ("0x7f.1") as a dotted quad and lowercased the name.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const isAddress = parseCidr(host) !== null;
    return this.#entries.some((entry) => {
      if (entry.port !== null && entry.port !== port) return false;
      if (entry.kind === 'name') return !isAddress && normalName(host) === entry.name;
      return isAddress && entry.range.check(host, host.includes(':') ? 'ipv6' : 'ipv4');
    });
  }

  /** Why a profile may not use this base URL, in words for the user; null when it may. */
  refusal(baseUrl: string): string | null {
    const url = URL.canParse(baseUrl) ? new URL(baseUrl) : null;
    if (url && this.allows(url)) return null;
    const host = url?.host ?? baseUrl;
    return `${host} is not an allowed backend address: the operator's backendAllowlist does not include it. Use one of the addresses this server allows, or ask its operator.`;
  }
}
