import { parseBackendEntry, normalName, type BackendEntry } from '../addresses/backend-entry.js';
import { parseCidr } from '../addresses/ip-match.js';
import { isPrivateHost } from '../addresses/private-ranges.js';

/** Who a profile's requests are for: an admin (the operator's peer) may reach local backends without a list. */
export interface BackendCaller {
  admin: boolean;
}

export interface BackendAllowlistOptions {
  /**
   * Accounts on: with an empty list, only admins may use loopback, private or link-local addresses, so that a user
   * of a shared server cannot make it probe the operator's own network. Single-user mode keeps local backends open.
   */
  privateForAdminsOnly: boolean;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The operator's `backendAllowlist`: the only addresses connection profiles may send requests to, so that users of
 * a shared server cannot make it probe the operator's network. Names are compared as written, never resolved: an
 * address range admits only URLs written with an address in it. An empty list admits every address.
 */
export class BackendAllowlist {
  readonly #entries: BackendEntry[];
  readonly #privateForAdminsOnly: boolean;

  constructor(entries: readonly string[], options: BackendAllowlistOptions = { privateForAdminsOnly: false }) {
    this.#privateForAdminsOnly = options.privateForAdminsOnly;
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
  refusal(baseUrl: string, caller: BackendCaller): string | null {
    const url = URL.canParse(baseUrl) ? new URL(baseUrl) : null;
    const host = url?.host ?? baseUrl;
    if (!url || !this.allows(url)) {
      return `${host} is not an allowed backend address: the operator's backendAllowlist does not include it. Use one of the addresses this server allows, or ask its operator.`;
    }
    if (!this.restricted && this.#privateForAdminsOnly && !caller.admin && isPrivateHost(url.hostname)) {
      return `${host} is an address of this server or of a private network; on a shared server only an admin may use one. Ask the operator to add it to backendAllowlist.`;
    }
    return null;
  }
}
