import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/server/config.js';
import { assertSafeToListen } from '../../../src/server/security/access-control.js';
import { IpMatcher } from '../../../src/server/addresses/ip-match.js';
import { TestClient } from '../../support/http-client.js';
import { serversForThisFile } from '../../support/test-server.js';

const start = serversForThisFile();

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** fetch() will not send a Host header of our choosing; node:http will. */
function rawGet(url: string, path: string, headers: Record<string, string>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { method: 'GET', headers, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const json = (res.headers['content-type'] ?? '').includes('application/json');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json ? JSON.parse(text) : text });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('whitelistMode', () => {
  test('a client outside the whitelist is refused 403 forbidden, on every path, and logged', async () => {
    const server = await start({ whitelistMode: true, whitelist: ['10.0.0.0/8', '192.168.1.7'] });
    const client = new TestClient(server.url);
    for (const path of ['/healthz', '/api/session', '/']) {
      const reply = await client.get(path);
      assert.equal(reply.status, 403, path);
      assert.equal(reply.body.error, 'forbidden');
      assert.match(reply.body.message, /127\.0\.0\.1/);
    }
    assert.equal(client.cookies.size, 0, 'no session was started');
    assert.equal(await server.store.db.selectFrom('sessions').selectAll().execute().then((r) => r.length), 0);
    const lines = server.logs.refusals('forbidden');
    assert.equal(lines.length, 3);
    assert.equal(lines[0]!.detail, 'ip');
    assert.equal(lines[0]!.ip, '127.0.0.1');
    assert.equal(lines[0]!.method, 'GET');
  });

  test('a CIDR entry that covers the client lets it in', async () => {
    const server = await start({ whitelistMode: true, whitelist: ['10.0.0.0/8', '127.0.0.0/8'] });
    assert.equal((await new TestClient(server.url).get('/healthz')).status, 200);
  });

  test('whitelistMode false lets any address in', async () => {
    const server = await start({ whitelistMode: false, whitelist: ['10.0.0.0/8'] });
    assert.equal((await new TestClient(server.url).get('/healthz')).status, 200);
  });

  test('the matcher handles IPv4 ranges, IPv6 ranges and IPv4-mapped IPv6 addresses', () => {
    const matcher = new IpMatcher(['192.168.0.0/16', '::1', 'fd00::/8', '10.1.2.3']);
    assert.equal(matcher.matches('192.168.44.5'), true);
    assert.equal(matcher.matches('::ffff:192.168.44.5'), true, 'how a dual-stack socket reports an IPv4 client');
    assert.equal(matcher.matches('192.169.0.1'), false);
    assert.equal(matcher.matches('10.1.2.3'), true);
    assert.equal(matcher.matches('10.1.2.4'), false);
    assert.equal(matcher.matches('::1'), true);
    assert.equal(matcher.matches('fd12:3456::1'), true);
    assert.equal(matcher.matches('fe80::1'), false);
    assert.equal(matcher.matches(''), false);
    assert.equal(matcher.matches('not-an-ip'), false);
  });
});

describe('Host header check (DNS rebinding)', () => {
  test('a Host of an unknown DNS name is refused 403 forbidden and logged', async () => {
    const server = await start();
    for (const host of ['evil.example', 'localhost.evil.example', 'evil.example:8000']) {
      const reply = await rawGet(server.url, '/api/session', { host });
      assert.equal(reply.status, 403, host);
      assert.equal(reply.body.error, 'forbidden');
      assert.equal(reply.headers['set-cookie'], undefined, 'no session for a rebound name');
    }
    const [line] = server.logs.refusals('forbidden');
    assert.equal(line?.detail, 'host');
  });

  test('IP literals, localhost and listed host names pass', async () => {
    const server = await start({ hostWhitelist: { enabled: true, hosts: ['Parley.LAN'] } });
    const port = new URL(server.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, '192.168.1.20', `parley.lan:${port}`, 'PARLEY.lan']) {
      const reply = await rawGet(server.url, '/healthz', { host });
      assert.equal(reply.status, 200, `${host}: ${JSON.stringify(reply.body)}`);
    }
    assert.equal((await rawGet(server.url, '/healthz', { host: 'other.lan' })).status, 403);
  });

  test('hostWhitelist.enabled false accepts any Host', async () => {
    const server = await start({ hostWhitelist: { enabled: false, hosts: [] } });
    assert.equal((await rawGet(server.url, '/healthz', { host: 'evil.example' })).status, 200);
  });
});

describe('basicAuthMode', () => {
  const config = { basicAuthMode: true, basicAuthUser: { username: 'keeper', password: 's3cret:with:colons' } };

  test('no credentials: 401 not_authenticated with WWW-Authenticate, and nothing runs', async () => {
    const server = await start(config);
    const client = new TestClient(server.url);
    const reply = await client.get('/api/session');
    assert.equal(reply.status, 401);
    assert.equal(reply.body.error, 'not_authenticated');
    assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic realm="Parley"/);
    assert.equal(client.cookies.size, 0);
    assert.equal(server.logs.refusals('not_authenticated')[0]?.detail, 'basic_auth');
  });

  test('wrong credentials are refused the same way', async () => {
    const server = await start(config);
    const client = new TestClient(server.url);
    for (const authorization of [
      basic('keeper', 'wrong'),
      basic('someone', 's3cret:with:colons'),
      basic('keeper', 's3cret'),
      'Bearer s3cret',
      'Basic !!!not-base64!!!',
    ]) {
      const reply = await client.get('/api/session', { headers: { authorization } });
      assert.equal(reply.status, 401, authorization);
      assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic /);
    }
  });

  test('the right credentials pass (a password may contain colons)', async () => {
    const server = await start(config);
    const reply = await new TestClient(server.url).get('/api/session', {
      headers: { authorization: basic('keeper', 's3cret:with:colons') },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.user.handle, 'default-user');
  });

  test('/healthz stays open for load balancers, with or without a query string', async () => {
    const server = await start(config);
    assert.equal((await new TestClient(server.url).get('/healthz')).status, 200);
    assert.equal((await new TestClient(server.url).get('/healthz?probe=lb1')).status, 200);
    assert.equal((await new TestClient(server.url).get('/healthzz')).status, 401, 'only that route');
  });
});

describe('refusing to listen unprotected', () => {
  const base = { whitelistMode: false, enableUserAccounts: false, basicAuthMode: false };

  test('beyond loopback with no accounts, whitelist or basic auth, startup is refused with the remedy', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      assert.throws(() => assertSafeToListen(parseConfig({ ...base, host })), /Refusing to listen on .*enableUserAccounts, whitelistMode or basicAuthMode/);
    }
  });

  test('basic auth with the default password from config.default.yaml is refused', () => {
    assert.throws(() => assertSafeToListen(parseConfig({ ...base, host: '0.0.0.0', basicAuthMode: true })), /default password/);
    assert.throws(() => assertSafeToListen(parseConfig({ ...base, basicAuthMode: true })), /default password/);
  });

  test('loopback, any one protection, or securityOverride allow it', () => {
    for (const config of [
      { ...base, host: '127.0.0.1' },
      { ...base, host: 'localhost' },
      { ...base, host: '::1' },
      { ...base, host: '0.0.0.0', whitelistMode: true },
      { ...base, host: '0.0.0.0', enableUserAccounts: true },
      { ...base, host: '0.0.0.0', basicAuthMode: true, basicAuthUser: { username: 'me', password: 'a real secret' } },
      { ...base, host: '0.0.0.0', securityOverride: true },
    ]) {
      assert.doesNotThrow(() => assertSafeToListen(parseConfig(config)), JSON.stringify(config));
    }
  });
});
