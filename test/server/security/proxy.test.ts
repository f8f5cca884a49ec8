import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestClient } from '../../support/http-client.js';
import { serversForThisFile, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

// The test server is reached over loopback, so 127.0.0.1 plays the reverse proxy and the
// X-Forwarded-* headers play what the proxy would add for the browser behind it.

const start = serversForThisFile();

const PROXY = ['127.0.0.1'];
const CLIENT_IP = '203.0.113.9';

const sessionCookie = (setCookies: string[]) => setCookies.find((line) => line.startsWith('parley_session='));

describe('trustProxy: X-Forwarded-For and the whitelist', () => {
  const whitelisted = { whitelistMode: true, whitelist: ['127.0.0.1'] };

  test('without trustProxy the header is ignored: the loopback peer is whitelisted and let in', async () => {
    const server = await start(whitelisted);
    const reply = await new TestClient(server.url).get('/api/session', { headers: { 'x-forwarded-for': CLIENT_IP } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(server.logs.refusals().length, 0);
  });

  test('from a peer that is not a listed proxy the header is ignored too', async () => {
    const server = await start({ ...whitelisted, trustProxy: ['10.0.0.1', '192.168.0.0/16'] });
    const reply = await new TestClient(server.url).get('/healthz', { headers: { 'x-forwarded-for': CLIENT_IP } });
    assert.equal(reply.status, 200);
  });

  test('with the proxy trusted, the forwarded client is checked: refused 403 forbidden, naming its address', async () => {
    const server = await start({ ...whitelisted, trustProxy: PROXY });
    const client = new TestClient(server.url);
    const reply = await client.get('/api/session', { headers: { 'x-forwarded-for': CLIENT_IP } });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error, 'forbidden');
    assert.match(reply.body.message, /203\.0\.113\.9/);
    assert.equal(client.cookies.size, 0, 'no session was started');
    const [line, ...more] = server.logs.refusals('forbidden');
    assert.equal(more.length, 0);
    assert.equal(line?.detail, 'ip');
    assert.equal(line?.ip, CLIENT_IP);

    assert.equal((await client.get('/healthz')).status, 200, 'the proxy itself, forwarding nobody, is whitelisted');
  });

  test('a client cannot smuggle a whitelisted address: only the hop the proxy appended counts', async () => {
    const server = await start({ ...whitelisted, trustProxy: PROXY });
    // The client sent "X-Forwarded-For: 127.0.0.1"; nginx appended the address it really came from.
    const reply = await new TestClient(server.url).get('/healthz', {
      headers: { 'x-forwarded-for': `127.0.0.1, ${CLIENT_IP}` },
    });
    assert.equal(reply.status, 403);
    assert.equal(server.logs.refusals('forbidden')[0]?.ip, CLIENT_IP);
  });
});

describe('trustProxy: X-Forwarded-Proto and the Secure cookie', () => {
  const overTls = { headers: { 'x-forwarded-proto': 'https' } };

  test('behind a trusted TLS proxy the session cookie is Secure', async () => {
    const server = await start({ trustProxy: PROXY });
    const reply = await new TestClient(server.url).get('/api/session', overTls);
    assert.equal(reply.status, 200);
    const cookie = sessionCookie(reply.headers.getSetCookie());
    assert.ok(cookie, 'a session cookie was set');
    assert.match(cookie, /;\s*Secure/i);
  });

  test('without trustProxy the header is ignored and the cookie (over plain HTTP) is not Secure', async () => {
    const server = await start();
    const reply = await new TestClient(server.url).get('/api/session', overTls);
    const cookie = sessionCookie(reply.headers.getSetCookie());
    assert.ok(cookie, 'a session cookie was set');
    assert.doesNotMatch(cookie, /;\s*Secure/i);
  });
});

describe('trustProxy: the sign-in rate limit is per forwarded client', () => {
  const ALICE = { handle: 'alice', password: 'alice password' };

  async function startAccounts(config: Record<string, unknown>) {
    // Accounts guard the door here; the whitelist (loopback only by default) would refuse the forwarded clients.
    const server = await start({
      enableUserAccounts: true,
      whitelistMode: false,
      limits: { loginAttemptsPerMinute: 3 },
      ...config,
    });
    await addUser(server, ALICE);
    return server;
  }

  const loginFrom = (server: TestServer, ip: string, password: string) =>
    new TestClient(server.url).post('/api/auth/login', { handle: ALICE.handle, password }, { headers: { 'x-forwarded-for': ip } });

  test('client A using up its attempts does not lock out client B', async () => {
    const server = await startAccounts({ trustProxy: PROXY });
    for (let i = 0; i < 3; i++) assert.equal((await loginFrom(server, CLIENT_IP, `guess ${i}`)).status, 401);
    const limited = await loginFrom(server, CLIENT_IP, ALICE.password);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'rate_limited');

    const other = await loginFrom(server, '198.51.100.7', ALICE.password);
    assert.equal(other.status, 200, JSON.stringify(other.body));
  });

  test('without trustProxy a made-up X-Forwarded-For does not buy fresh attempts', async () => {
    const server = await startAccounts({});
    for (let i = 0; i < 3; i++) assert.equal((await loginFrom(server, `198.51.100.${i}`, `guess ${i}`)).status, 401);
    assert.equal((await loginFrom(server, '198.51.100.99', ALICE.password)).status, 429);
  });
});

describe('trustProxy: the Origin check against X-Forwarded-Host', () => {
  const browser = { 'x-forwarded-host': 'parley.example', 'x-forwarded-proto': 'https', origin: 'https://parley.example' };
  const newUser = { handle: 'bob', password: 'correct horse battery' };

  test('a same-site request through a trusted proxy, with its CSRF token, is accepted', async () => {
    const server = await start({ trustProxy: PROXY, hostWhitelist: { enabled: true, hosts: ['parley.example'] } });
    const client = new TestClient(server.url);
    assert.equal((await client.session()).status, 200);
    const reply = await client.post('/api/users', newUser, { headers: browser });
    assert.ok(reply.status >= 200 && reply.status < 300, `${reply.status} ${JSON.stringify(reply.body)}`);
    assert.equal(server.logs.refusals().length, 0);
  });

  test('without trustProxy the forwarded host is ignored: the Origin does not match Host, 403 origin_mismatch', async () => {
    const server = await start({ hostWhitelist: { enabled: true, hosts: ['parley.example'] } });
    const client = new TestClient(server.url);
    await client.session();
    const reply = await client.post('/api/users', newUser, { headers: browser });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error, 'origin_mismatch');
    assert.equal((await server.store.users.list()).some((u) => u.handle === 'bob'), false);
  });
});
