import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestClient, type Reply } from '../../support/http-client.js';
import { ManualClock } from '../../support/manual-clock.js';
import { serversForThisFile, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

const startServer = serversForThisFile();

async function start(config: Record<string, unknown> = {}, clock = new ManualClock()) {
  const server = await startServer(config, { clock });
  const client = new TestClient(server.url);
  return { server, clock, client };
}

/** A refusal is a JSON body with a code, never an HTML page. */
function assertJsonRefusal(reply: Reply, status: number, code: string) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(reply.body.error, code);
  assert.equal(typeof reply.body.message, 'string');
  assert.doesNotMatch(JSON.stringify(reply.body), /<html|<!doctype|\bat .*\.ts:\d+/i, 'no page, no stack trace');
}

async function handles(server: TestServer): Promise<string[]> {
  return (await server.store.users.list()).map((u) => u.handle);
}

const newUser = { handle: 'bob', password: 'correct horse battery' };

describe('CSRF: synchronizer token on every unsafe request', () => {
  test('a missing X-CSRF-Token is refused 403 csrf_invalid (missing), logged as one line, and changes nothing', async () => {
    const { server, client, clock } = await start();
    await client.session();
    clock.advanceSeconds(90);
    const before = server.logs.lines.length;

    const reply = await client.post('/api/users', newUser, { csrf: false });

    assertJsonRefusal(reply, 403, 'csrf_invalid');
    assert.deepEqual(await handles(server), ['default-user'], 'no user was created');
    const lines = server.logs.lines.slice(before);
    assert.equal(lines.length, 1, 'exactly one log line for the refusal');
    const line = lines[0]!;
    assert.equal(line.reason, 'csrf_invalid');
    assert.equal(line.detail, 'missing');
    assert.equal(line.method, 'POST');
    assert.equal(line.route, '/api/users');
    assert.equal(line.user, 'default-user');
    assert.equal(line.sessionAgeS, 90);
  });

  test('a wrong X-CSRF-Token is refused 403 csrf_invalid (mismatch), logged with the route pattern', async () => {
    const { server, client, clock } = await start();
    await client.session();
    await client.post('/api/users', newUser);
    clock.advanceSeconds(3600);
    const before = server.logs.lines.length;

    const reply = await client.delete('/api/users/bob', { csrf: 'A'.repeat(43) });

    assertJsonRefusal(reply, 403, 'csrf_invalid');
    assert.deepEqual(await handles(server), ['bob', 'default-user'], 'bob is still there');
    const lines = server.logs.lines.slice(before);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.reason, 'csrf_invalid');
    assert.equal(lines[0]!.detail, 'mismatch');
    assert.equal(lines[0]!.method, 'DELETE');
    assert.equal(lines[0]!.route, '/api/users/:handle');
    assert.equal(lines[0]!.user, 'default-user');
    assert.equal(lines[0]!.sessionAgeS, 3600);
  });

  test("another session's token does not work in this one", async () => {
    const { server } = await start();
    const mine = new TestClient(server.url);
    const theirs = new TestClient(server.url);
    await mine.session();
    await theirs.session();
    assert.notEqual(mine.csrfToken, theirs.csrfToken);
    const reply = await mine.post('/api/users', newUser, { csrf: theirs.csrfToken! });
    assertJsonRefusal(reply, 403, 'csrf_invalid');
    assert.deepEqual(await handles(server), ['default-user']);
  });

  test('the token from GET /api/session is accepted, and PATCH/DELETE need it too', async () => {
    const { server, client } = await start();
    await client.session();
    assert.equal((await client.post('/api/users', newUser)).status, 201);
    assertJsonRefusal(await client.patch('/api/users/bob', { name: 'Robert' }, { csrf: false }), 403, 'csrf_invalid');
    assert.equal((await server.store.users.byHandle('bob'))?.name, 'bob', 'refused PATCH changed nothing');
    assert.equal((await client.patch('/api/users/bob', { name: 'Robert' })).status, 200);
    assertJsonRefusal(await client.delete('/api/users/bob', { csrf: false }), 403, 'csrf_invalid');
    assert.equal((await client.delete('/api/users/bob')).status, 204);
    assert.deepEqual(await handles(server), ['default-user']);
  });

  test('safe methods need no token', async () => {
    const { client } = await start();
    await client.session();
    const reply = await client.get('/api/users', { csrf: false });
    assert.equal(reply.status, 200);
  });
});

describe('CSRF: Origin and Sec-Fetch-Site', () => {
  test('an Origin of another site is refused 403 origin_mismatch even with the right token', async () => {
    const { server, client, clock } = await start();
    await client.session();
    clock.advanceSeconds(45);
    const before = server.logs.lines.length;
    const reply = await client.post('/api/users', newUser, { headers: { origin: 'https://evil.example' } });
    assertJsonRefusal(reply, 403, 'origin_mismatch');
    assert.deepEqual(await handles(server), ['default-user']);
    const lines = server.logs.lines.slice(before);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.reason, 'origin_mismatch');
    assert.equal(lines[0]!.detail, 'origin=https://evil.example');
    assert.equal(lines[0]!.method, 'POST');
    assert.equal(lines[0]!.route, '/api/users');
    assert.equal(lines[0]!.user, 'default-user');
    assert.equal(lines[0]!.sessionAgeS, 45);
  });

  test('an Origin on the same host but another port is another origin', async () => {
    const { server, client } = await start();
    await client.session();
    const port = Number(new URL(server.url).port);
    const reply = await client.post('/api/users', newUser, { headers: { origin: `http://127.0.0.1:${port + 1}` } });
    assertJsonRefusal(reply, 403, 'origin_mismatch');
  });

  test('an Origin that is not a URL ("null" from a sandboxed frame) is refused', async () => {
    const { client } = await start();
    await client.session();
    assertJsonRefusal(await client.post('/api/users', newUser, { headers: { origin: 'null' } }), 403, 'origin_mismatch');
  });

  for (const site of ['cross-site', 'same-site']) {
    test(`Sec-Fetch-Site: ${site} is refused 403 origin_mismatch`, async () => {
      const { server, client } = await start();
      await client.session();
      const reply = await client.post('/api/users', newUser, { headers: { 'sec-fetch-site': site } });
      assertJsonRefusal(reply, 403, 'origin_mismatch');
      assert.deepEqual(await handles(server), ['default-user']);
      assert.equal(server.logs.refusals('origin_mismatch')[0]?.detail, `sec-fetch-site=${site}`);
    });
  }

  test('a same-origin browser request (Origin of this server, Sec-Fetch-Site: same-origin) passes', async () => {
    const { server, client } = await start();
    await client.session();
    const headers = { origin: server.url, 'sec-fetch-site': 'same-origin' };
    const reply = await client.post('/api/users', newUser, { headers });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.deepEqual(await handles(server), ['bob', 'default-user']);
    assert.equal(server.logs.refusals().length, 0);
  });
});

describe('CSRF and login', () => {
  test('login needs no token, but a cross-site login is refused (no login CSRF)', async () => {
    const { server } = await start({ enableUserAccounts: true });
    await addUser(server, { handle: 'alice', password: 'alice password' });
    const client = new TestClient(server.url);

    const direct = await client.login('alice', 'alice password');
    assert.equal(direct.status, 200, 'a non-browser client with no token signs in');

    const fresh = new TestClient(server.url);
    const refused = await fresh.post(
      '/api/auth/login',
      { handle: 'alice', password: 'alice password' },
      { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } },
    );
    assertJsonRefusal(refused, 403, 'origin_mismatch');
    assert.equal(fresh.cookies.size, 0, 'no session cookie was set');
    assert.equal((await server.store.db.selectFrom('sessions').selectAll().execute()).length, 1, 'only the first login');
  });

  test('after a re-login the old token is stale: refused, and the fresh one from /api/session works', async () => {
    const { server } = await start({ enableUserAccounts: true });
    await addUser(server, { handle: 'alice', password: 'alice password', admin: true });
    const client = new TestClient(server.url);
    const first = await client.login('alice', 'alice password');
    const staleToken = first.body.csrfToken as string;
    await client.login('alice', 'alice password');
    assertJsonRefusal(await client.post('/api/users', newUser, { csrf: staleToken }), 403, 'csrf_invalid');
    const session = await client.session();
    assert.notEqual(session.body.csrfToken, staleToken);
    assert.equal((await client.post('/api/users', newUser)).status, 201, 'recovered without a reload');
  });
});
