import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestClient, type Reply } from '../../support/http-client.js';
import { ManualClock } from '../../support/manual-clock.js';
import { SseReader } from '../../support/sse-reader.js';
import { serversForThisFile, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

const startServer = serversForThisFile({ enableUserAccounts: true });

const ALICE = { handle: 'alice', password: 'alice password', admin: true };
const BOB = { handle: 'bob', password: 'bob password' };

/** A multi-user server with an admin (alice) and a plain user (bob). */
async function start(config: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const server = await startServer(config, { clock });
  await addUser(server, ALICE, clock);
  await addUser(server, BOB, clock);
  return { server, clock };
}

async function signedIn(server: TestServer, who: { handle: string; password: string }) {
  const client = new TestClient(server.url);
  const reply = await client.login(who.handle, who.password);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return client;
}

function assertRefusal(reply: Reply, status: number, code: string) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(reply.body.error, code);
  assert.equal(typeof reply.body.message, 'string');
}

const sessionCount = async (server: TestServer) =>
  (await server.store.db.selectFrom('sessions').selectAll().execute()).length;

describe('accounts: login, logout, rotation', () => {
  test('GET /api/session without a cookie answers user null and sets no session', async () => {
    const { server } = await start();
    const reply = await new TestClient(server.url).session();
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { user: null, csrfToken: null, accounts: true, expiresAt: null, remoteImages: false });
    assert.equal(reply.headers.getSetCookie().length, 0);
    assert.equal(await sessionCount(server), 0);
  });

  test('without a session the API answers 401 not_authenticated', async () => {
    const { server } = await start();
    assertRefusal(await new TestClient(server.url).get('/api/users'), 401, 'not_authenticated');
  });

  test('login answers the user and a token, and GET /api/session then shows the same', async () => {
    const { server } = await start();
    const client = new TestClient(server.url);
    const login = await client.login('alice', ALICE.password);
    assert.equal(login.status, 200);
    assert.deepEqual(login.body.user, { handle: 'alice', name: 'alice', admin: true });
    const session = await client.session();
    assert.equal(session.body.user.handle, 'alice');
    assert.equal(session.body.csrfToken, login.body.csrfToken);
  });

  test('login rotates the session id: the cookie from before is dead afterwards', async () => {
    const { server } = await start();
    const client = await signedIn(server, ALICE);
    const oldCookie = client.cookies.get('parley_session')!;
    await client.login('alice', ALICE.password);
    const newCookie = client.cookies.get('parley_session')!;
    assert.notEqual(newCookie, oldCookie);
    assert.equal(await sessionCount(server), 1, 'the old session row is gone');

    const replay = new TestClient(server.url);
    replay.cookies.set('parley_session', oldCookie);
    assertRefusal(await replay.get('/api/users'), 401, 'not_authenticated');
    assert.equal((await client.get('/api/users')).status, 200);
  });

  test('a wrong password and an unknown handle get the same 401 invalid_credentials', async () => {
    const { server } = await start();
    const client = new TestClient(server.url);
    const wrong = await client.login('alice', 'not her password');
    const unknown = await client.login('mallory', 'any password');
    assertRefusal(wrong, 401, 'invalid_credentials');
    assertRefusal(unknown, 401, 'invalid_credentials');
    assert.equal(wrong.body.message, unknown.body.message, 'nothing tells which handles exist');
    assert.equal(client.cookies.size, 0);
    assert.equal(await sessionCount(server), 0);
    assert.equal(server.logs.refusals('invalid_credentials').length, 2, 'each failed login is logged');
  });

  test('login is rate limited: 429 rate_limited after limits.loginAttemptsPerMinute, even with the right password', async () => {
    const { server } = await start({ limits: { loginAttemptsPerMinute: 3 } });
    const client = new TestClient(server.url);
    for (let i = 0; i < 3; i++) assertRefusal(await client.login('alice', `guess ${i}`), 401, 'invalid_credentials');
    assertRefusal(await client.login('alice', ALICE.password), 429, 'rate_limited');
    assert.equal(client.cookies.size, 0);
    assert.equal(await sessionCount(server), 0);
  });

  test('logout destroys the session on the server: the replayed cookie is refused 401', async () => {
    const { server } = await start();
    const client = await signedIn(server, ALICE);
    const cookie = client.cookies.get('parley_session')!;
    const logout = await client.post('/api/auth/logout');
    assert.equal(logout.status, 204);
    assert.equal(client.cookies.has('parley_session'), false, 'the cookie is cleared');
    assert.equal(await sessionCount(server), 0);

    const replay = new TestClient(server.url);
    replay.cookies.set('parley_session', cookie);
    assertRefusal(await replay.get('/api/users'), 401, 'not_authenticated');
    assert.equal((await replay.session()).body.user, null);
  });

  test('a user without a password (the single-user default) cannot log in', async () => {
    const { server } = await start();
    await server.store.users.insert({
      id: 'no-password', handle: 'default-user', name: 'User', passwordHash: null, admin: false, now: 0,
    });
    assertRefusal(await new TestClient(server.url).login('default-user', 'anything at all'), 401, 'invalid_credentials');
  });
});

describe('accounts: password change', () => {
  test("POST /api/auth/password ends the user's other sessions but keeps this one", async () => {
    const { server } = await start();
    const here = await signedIn(server, BOB);
    const otherDevice = await signedIn(server, BOB);
    const aliceClient = await signedIn(server, ALICE);

    const reply = await here.post('/api/auth/password', { current: BOB.password, next: 'a new bob password' });
    assert.equal(reply.status, 204, JSON.stringify(reply.body));

    assertRefusal(await otherDevice.post('/api/auth/logout'), 401, 'not_authenticated');
    assert.equal((await here.session()).body.user.handle, 'bob', 'this session lives on');
    assert.equal((await aliceClient.get('/api/users')).status, 200, "other users' sessions are untouched");
    assertRefusal(await new TestClient(server.url).login('bob', BOB.password), 401, 'invalid_credentials');
    assert.equal((await new TestClient(server.url).login('bob', 'a new bob password')).status, 200);
  });

  test('a wrong current password is 401 invalid_credentials and changes nothing', async () => {
    const { server } = await start();
    const here = await signedIn(server, BOB);
    const otherDevice = await signedIn(server, BOB);
    const hashBefore = (await server.store.users.byHandle('bob'))!.passwordHash;

    const reply = await here.post('/api/auth/password', { current: 'wrong guess', next: 'a new bob password' });
    assertRefusal(reply, 401, 'invalid_credentials');
    assert.equal((await server.store.users.byHandle('bob'))!.passwordHash, hashBefore);
    assert.equal((await otherDevice.session()).body.user.handle, 'bob', 'the other session is alive');
  });

  test('a new password shorter than 8 characters is 400 and changes nothing', async () => {
    const { server } = await start();
    const here = await signedIn(server, BOB);
    const hashBefore = (await server.store.users.byHandle('bob'))!.passwordHash;
    assertRefusal(await here.post('/api/auth/password', { current: BOB.password, next: 'short' }), 400, 'invalid_request');
    assert.equal((await server.store.users.byHandle('bob'))!.passwordHash, hashBefore);
  });
});

describe('accounts: admin user management', () => {
  test('an admin lists, creates, updates and deletes users', async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);

    const created = await admin.post('/api/users', { handle: 'carol', password: 'carol password', name: 'Carol' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { handle: 'carol', name: 'Carol', admin: false });

    const list = await admin.get('/api/users');
    assert.deepEqual(
      list.body.map((u: { handle: string }) => u.handle),
      ['alice', 'bob', 'carol'],
    );

    const patched = await admin.patch('/api/users/carol', { admin: true, name: 'Carol C.' });
    assert.deepEqual(patched.body, { handle: 'carol', name: 'Carol C.', admin: true });

    assert.equal((await admin.delete('/api/users/carol')).status, 204);
    assert.equal(await server.store.users.byHandle('carol'), undefined);
    assertRefusal(await admin.delete('/api/users/carol'), 404, 'not_found');
  });

  test('a duplicate handle is 409 conflict', async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);
    assertRefusal(await admin.post('/api/users', { handle: 'bob', password: 'another password' }), 409, 'conflict');
    assert.equal((await server.store.users.list()).length, 2);
  });

  test('password hashes are argon2id in the database and never leave the server', async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);
    const created = await admin.post('/api/users', { handle: 'carol', password: 'carol password' });
    const row = await server.store.db.selectFrom('users').selectAll().where('handle', '=', 'carol').executeTakeFirstOrThrow();
    assert.match(row.password_hash ?? '', /^\$argon2id\$/);
    assert.ok(!row.password_hash!.includes('carol password'));

    const replies = [created, await admin.get('/api/users'), await admin.patch('/api/users/carol', { name: 'C' }), await admin.session()];
    for (const reply of replies) {
      const text = JSON.stringify(reply.body);
      assert.doesNotMatch(text, /argon2|passwordHash|password_hash|carol password/);
    }
  });

  test("an admin's password reset ends that user's sessions", async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);
    const bob = await signedIn(server, BOB);
    assert.equal((await admin.patch('/api/users/bob', { password: 'reset by alice' })).status, 200);
    assertRefusal(await bob.post('/api/auth/logout'), 401, 'not_authenticated');
    assert.equal((await new TestClient(server.url).login('bob', 'reset by alice')).status, 200);
  });

  test('deleting a user ends their sessions', async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);
    const bob = await signedIn(server, BOB);
    assert.equal((await admin.delete('/api/users/bob')).status, 204);
    assertRefusal(await bob.post('/api/auth/logout'), 401, 'not_authenticated');
    assert.equal(await sessionCount(server), 1);
  });

  test('an open event stream ends with its session: sign-out, a password change elsewhere, a reset, the account deleted', async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);
    const streams: SseReader[] = [];
    /** A device of bob's with its change feed open (the stream has said it is connected). */
    const device = async (password = BOB.password) => {
      const client = await signedIn(server, { handle: 'bob', password });
      const events = new SseReader(client, '/api/events');
      streams.push(events);
      await events.ready;
      assert.equal(events.status, 200);
      return { client, events };
    };
    /** Nothing more comes: the stream has ended (a live one would still be open after the wait). */
    const ended = async (events: SseReader, why: string) => assert.equal(await events.next(2_000).catch(() => 'still open'), null, why);
    try {
      const laptop = await device();
      const phone = await device();
      assert.equal((await laptop.client.post('/api/auth/logout')).status, 204);
      await ended(laptop.events, 'signed out');
      await assert.rejects(phone.events.next(300), /no server-sent event/, "another device's stream stays open");

      const tablet = await device();
      const changed = await tablet.client.post('/api/auth/password', { current: BOB.password, next: 'a new bob password' });
      assert.equal(changed.status, 204);
      await ended(phone.events, 'the password changed on another device');
      await assert.rejects(tablet.events.next(300), /no server-sent event/, 'the session that changed it keeps its stream');

      assert.equal((await admin.patch('/api/users/bob', { password: 'reset by alice' })).status, 200);
      await ended(tablet.events, 'reset by an admin');
      const desk = await device('reset by alice');
      assert.equal((await admin.delete('/api/users/bob')).status, 204);
      await ended(desk.events, 'the account deleted');
    } finally {
      for (const events of streams) events.close();
    }
  });

  test('a non-admin gets 403 forbidden on every admin route (logged), and nothing changes', async () => {
    const { server } = await start();
    const bob = await signedIn(server, BOB);
    const attempts = [
      await bob.get('/api/users'),
      await bob.post('/api/users', { handle: 'eve', password: 'eve password', admin: true }),
      await bob.patch('/api/users/bob', { admin: true }),
      await bob.delete('/api/users/alice'),
    ];
    for (const reply of attempts) assertRefusal(reply, 403, 'forbidden');
    const users = await server.store.users.list();
    assert.deepEqual(
      users.map((u) => [u.handle, u.admin]),
      [['alice', true], ['bob', false]],
    );
    const lines = server.logs.refusals('forbidden');
    assert.equal(lines.length, 4);
    assert.ok(lines.every((l) => typeof l.sessionAgeS === 'number'), 'each line carries the session age');
    assert.deepEqual(
      lines.map((l) => [l.method, l.route, l.user]),
      [
        ['GET', '/api/users', 'bob'],
        ['POST', '/api/users', 'bob'],
        ['PATCH', '/api/users/:handle', 'bob'],
        ['DELETE', '/api/users/:handle', 'bob'],
      ],
    );
  });

  test('the last admin can be neither deleted nor demoted (409); with a second admin both work', async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);
    assertRefusal(await admin.delete('/api/users/alice'), 409, 'conflict');
    assertRefusal(await admin.patch('/api/users/alice', { admin: false }), 409, 'conflict');
    assert.equal((await server.store.users.byHandle('alice'))?.admin, true);

    assert.equal((await admin.patch('/api/users/bob', { admin: true })).status, 200);
    assert.equal((await admin.patch('/api/users/alice', { admin: false })).status, 200);
    assert.equal((await server.store.users.byHandle('alice'))?.admin, false);
    assert.equal(await server.store.users.countAdmins(), 1);
  });
});

describe('accounts: bad input gets 4xx JSON and stores nothing', () => {
  const badCreates: Array<[string, unknown]> = [
    ['no body fields', {}],
    ['missing password', { handle: 'carol' }],
    ['missing handle', { password: 'carol password' }],
    ['a path-like handle', { handle: '../x', password: 'carol password' }],
    ['an upper-case handle', { handle: 'Carol', password: 'carol password' }],
    ['a handle with a NUL byte', { handle: 'car\u0000ol', password: 'carol password' }],
    ['a huge handle', { handle: 'c'.repeat(10_000), password: 'carol password' }],
    ['a huge name', { handle: 'carol', password: 'carol password', name: 'C'.repeat(100_000) }],
    ['a name with a NUL byte', { handle: 'carol', password: 'carol password', name: 'Car\u0000ol' }],
    ['a huge password', { handle: 'carol', password: 'p'.repeat(100_000) }],
    ['a short password', { handle: 'carol', password: 'short' }],
    ['admin as a string', { handle: 'carol', password: 'carol password', admin: 'yes' }],
    ['an array body', [{ handle: 'carol', password: 'carol password' }]],
  ];
  for (const [what, body] of badCreates) {
    // A NUL is refused for every JSON body, before any route's schema: invalid_text.
    const code = what.includes('NUL') ? 'invalid_text' : 'invalid_request';
    test(`POST /api/users with ${what} is 400 ${code}`, async () => {
      const { server } = await start();
      const admin = await signedIn(server, ALICE);
      assertRefusal(await admin.post('/api/users', body), 400, code);
      assert.equal((await server.store.users.list()).length, 2);
    });
  }

  test('a body that is not JSON is 400; a form body is 415; a body over the limit is 413', async () => {
    const { server } = await start({ limits: { jsonBodyMb: 0.05 } });
    const admin = await signedIn(server, ALICE);
    const json = { 'content-type': 'application/json' };
    assertRefusal(await admin.post('/api/users', '{"handle": "carol", ', { headers: json }), 400, 'invalid_request');
    assertRefusal(
      await admin.post('/api/users', 'handle=carol&password=carol+password', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'unsupported_media_type',
    );
    // Fastify reads text/plain as a string, which the schema then refuses.
    assertRefusal(await admin.post('/api/users', 'carol', { headers: { 'content-type': 'text/plain' } }), 400, 'invalid_request');
    const big = { handle: 'carol', password: 'carol password', name: 'x'.repeat(100_000) };
    assertRefusal(await admin.post('/api/users', big), 413, 'payload_too_large');
    assert.equal((await server.store.users.list()).length, 2);
  });

  test('bad handles in the URL are 400, unknown ones 404; PATCH with nothing to change is 400', async () => {
    const { server } = await start();
    const admin = await signedIn(server, ALICE);
    assertRefusal(await admin.patch('/api/users/..%2Fx', { name: 'X' }), 400, 'invalid_request');
    assertRefusal(await admin.delete('/api/users/a%00b'), 400, 'invalid_request');
    assertRefusal(await admin.patch('/api/users/nobody', { name: 'X' }), 404, 'not_found');
    assertRefusal(await admin.patch('/api/users/bob', {}), 400, 'invalid_request');
    assertRefusal(await admin.patch('/api/users/bob', { name: '' }), 400, 'invalid_request');
    assert.equal((await server.store.users.byHandle('bob'))?.name, 'bob');
  });

  test('bad login bodies are 4xx JSON and start no session', async () => {
    const { server } = await start();
    const client = new TestClient(server.url);
    assertRefusal(await client.post('/api/auth/login', {}), 400, 'invalid_request');
    assertRefusal(await client.post('/api/auth/login', { handle: 'alice' }), 400, 'invalid_request');
    assertRefusal(await client.post('/api/auth/login', { handle: 'alice', password: 'p'.repeat(5000) }), 400, 'invalid_request');
    assertRefusal(await client.login('ali\u0000ce', ALICE.password), 400, 'invalid_text');
    assertRefusal(
      await client.post('/api/auth/login', 'not json', { headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_request',
    );
    assert.equal(await sessionCount(server), 0);
  });
});
