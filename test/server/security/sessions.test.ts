import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestClient } from '../../support/http-client.js';
import { DAY_S, ManualClock } from '../../support/manual-clock.js';
import { serversForThisFile, startTestServer } from '../../support/test-server.js';

const startServer = serversForThisFile();

async function start(config: Record<string, unknown> = {}, clock = new ManualClock()) {
  const server = await startServer(config, { clock });
  return { server, clock, client: new TestClient(server.url) };
}

describe('sessions (single-user mode)', () => {
  test('GET /api/session creates a session with a cookie that is HttpOnly, SameSite=Lax and lasts 400 days', async () => {
    const { client } = await start();
    const reply = await client.session();
    assert.equal(reply.status, 200);
    assert.equal(reply.body.user.handle, 'default-user');
    assert.equal(reply.body.accounts, false);
    assert.match(reply.body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const cookie = reply.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^parley_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Max-Age=34560000/);
    assert.doesNotMatch(cookie, /Secure/, 'no Secure flag over plain HTTP');
  });

  test('the session id is stored hashed, never as the cookie value', async () => {
    const { server, client } = await start();
    await client.session();
    const token = client.cookies.get('parley_session')!;
    const rows = await server.store.db.selectFrom('sessions').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.id_hash, token);
    assert.ok(!JSON.stringify(rows).includes(token));
  });

  test('with the default config a session outlives 30 days of daily use, sliding on API requests', async () => {
    const { client, clock } = await start();
    const first = await client.session();
    const token = client.cookies.get('parley_session');
    for (let day = 1; day <= 30; day++) {
      clock.advanceSeconds(DAY_S);
      // Only API calls: no page load, no GET /api/session.
      const reply = await client.post('/api/auth/logout', undefined, { csrf: 'wrong' });
      assert.equal(reply.status, 403, `day ${day}: the session is alive, so only the bad token is refused`);
      assert.equal(reply.body.error, 'csrf_invalid');
    }
    assert.equal(client.cookies.get('parley_session'), token, 'same session all month');
    const now = await client.session();
    assert.equal(now.body.csrfToken, first.body.csrfToken);
    assert.ok(Date.parse(now.body.expiresAt) > Date.parse(first.body.expiresAt) + 29 * DAY_S * 1000, 'expiry slid');
  });

  test('a session idle past sessionTimeout is refused by the server with session_expired, even if the cookie is replayed', async () => {
    const { server, client, clock } = await start({ sessionTimeout: 3600 });
    await client.session();
    clock.advanceSeconds(3000);
    assert.equal((await client.post('/api/auth/logout', undefined, { csrf: 'x' })).body.error, 'csrf_invalid');
    clock.advanceSeconds(3000); // 50 min idle since the last request, which slid it: still alive
    assert.equal((await client.post('/api/auth/logout', undefined, { csrf: 'x' })).body.error, 'csrf_invalid');
    clock.advanceSeconds(3601);
    const replayed = await client.post('/api/auth/logout');
    assert.equal(replayed.status, 401);
    assert.equal(replayed.body.error, 'session_expired');
    const [line] = server.logs.refusals('session_expired');
    assert.ok(line, 'the refusal is logged');
    assert.equal(line.method, 'POST');
    assert.equal(line.route, '/api/auth/logout');
    assert.equal(line.sessionAgeS, 3000 + 3000 + 3601);
  });

  test('single-user mode replaces an expired session transparently through GET /api/session', async () => {
    const { client, clock } = await start({ sessionTimeout: 60 });
    const before = await client.session();
    clock.advanceSeconds(120);
    const after = await client.session();
    assert.equal(after.status, 200);
    assert.equal(after.body.user.handle, 'default-user');
    assert.notEqual(after.body.csrfToken, before.body.csrfToken);
    const reply = await client.post('/api/auth/logout');
    assert.equal(reply.status, 204, 'the new session and token work at once');
  });

  test('sessionTimeout -1 never expires and renews the cookie at its longest lifetime', async () => {
    const { client, clock } = await start({ sessionTimeout: -1 });
    const first = await client.session();
    assert.equal(first.body.expiresAt, null);
    clock.advanceSeconds(5 * 365 * DAY_S);
    const reply = await client.post('/api/auth/logout', undefined, { csrf: 'wrong' });
    assert.equal(reply.body.error, 'csrf_invalid', 'five idle years later the session is still valid');
    assert.match(reply.headers.getSetCookie()[0] ?? '', /Max-Age=34560000/, 'cookie re-issued as it is used');
  });

  test('sessionTimeout 0 gives a browser-session cookie (no Max-Age)', async () => {
    const { client } = await start({ sessionTimeout: 0 });
    const reply = await client.session();
    const cookie = reply.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^parley_session=/);
    assert.doesNotMatch(cookie, /Max-Age|Expires/);
  });

  test('a session survives a server restart', async () => {
    const clock = new ManualClock();
    const first = await startTestServer({ clock });
    const client = new TestClient(first.url);
    const before = await client.session();
    await first.stop();
    const second = await startServer({}, { clock, dataDir: first.dataDir });
    const restarted = client.sameBrowser(second.url);
    const after = await restarted.session();
    assert.equal(after.body.csrfToken, before.body.csrfToken, 'same session after the restart');
    assert.equal(after.headers.getSetCookie().length, 0, 'no new cookie was needed');
  });

  test('an unknown cookie is told not_authenticated and cleared', async () => {
    const { client } = await start();
    client.cookies.set('parley_session', 'forged-value');
    const reply = await client.post('/api/auth/logout', undefined, { csrf: 'x' });
    assert.equal(reply.status, 401);
    assert.equal(reply.body.error, 'not_authenticated');
    assert.equal(client.cookies.has('parley_session'), false);
  });
});
