import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { IpMatcher, isLoopbackHost } from '../addresses/ip-match.js';
import { refusal } from './refusal.js';

/** The config keys the network gates read (config.yaml documents each). */
export interface AccessControlOptions {
  host: string;
  securityOverride: boolean;
  enableUserAccounts: boolean;
  whitelistMode: boolean;
  whitelist: readonly string[];
  hostWhitelist: { enabled: boolean; hosts: readonly string[] };
  basicAuthMode: boolean;
  basicAuthUser: { username: string; password: string };
}

/** The basic-auth password of config.default.yaml: known to everyone, so it guards nothing. */
const DEFAULT_BASIC_AUTH_PASSWORD = 'password';

/** Refuses, at startup, to serve a network with nothing guarding the door. */
export function assertSafeToListen(config: AccessControlOptions): void {
  if (config.basicAuthMode && config.basicAuthUser.password === DEFAULT_BASIC_AUTH_PASSWORD && !config.securityOverride) {
    throw new Error('basicAuthMode is on with the default password: set basicAuthUser.password in config.yaml first.');
  }
  if (isLoopbackHost(config.host) || config.securityOverride) return;
  if (config.enableUserAccounts || config.basicAuthMode || config.whitelistMode) return;
  throw new Error(
    `Refusing to listen on ${config.host} with no protection: turn on enableUserAccounts, whitelistMode or ` +
      'basicAuthMode in config.yaml (or set securityOverride: true if something else guards this server).',
  );
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Network-level gates that apply to every request: IP whitelist, Host header check, basic auth. */
export function registerAccessControl(app: FastifyInstance, config: AccessControlOptions): void {
  const whitelist = config.whitelistMode ? new IpMatcher(config.whitelist) : null;
  const allowedHosts = new Set(config.hostWhitelist.hosts.map((h) => h.toLowerCase()));

  app.addHook('onRequest', async (request, reply) => {
    // The client behind a trusted proxy (trustProxy), else the socket's peer.
    const ip = request.ip;
    if (whitelist && !whitelist.matches(ip)) {
      throw refusal(request, 'forbidden', `Your address ${ip} is not in this server's whitelist`, { detail: 'ip' });
    }

    if (config.hostWhitelist.enabled) {
      // DNS rebinding points a foreign name at this server; an IP literal or a known name cannot be rebound.
      const hostname = (request.hostname || '').replace(/^\[|\]$/g, '').toLowerCase();
      if (!(isIP(hostname) || isLoopbackHost(hostname) || allowedHosts.has(hostname))) {
        throw refusal(request, 'forbidden', `Host "${hostname}" is not allowed; add it to hostWhitelist.hosts`, {
          detail: 'host',
        });
      }
    }

    if (config.basicAuthMode && request.routeOptions.url !== '/healthz') {
      const header = request.headers.authorization ?? '';
      const [scheme, encoded = ''] = header.split(' ');
      const [user, ...rest] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
      const ok =
        scheme?.toLowerCase() === 'basic' &&
        sameSecret(user ?? '', config.basicAuthUser.username) &&
        sameSecret(rest.join(':'), config.basicAuthUser.password);
      if (!ok) {
        reply.header('WWW-Authenticate', 'Basic realm="Parley", charset="UTF-8"');
        throw refusal(request, 'not_authenticated', 'Basic authentication required', { detail: 'basic_auth' });
      }
    }
  });
}
