import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type { RouteEntry } from '../../../src/server/security/request-auth.js';
import { appendOp, createCharacterAndChat, makeCard, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

/*
 * Item 1 of issue 8: every registered route (read from the app's route table, so a route added later is covered
 * without touching this file) × spellings of its path × four attackers. Nothing but the public routes answers 2xx to
 * an attacker, no reply carries the victim's data, and nothing is written.
 */

const SECRET = 'Alice-secret-7f3c';
const BOOK = 'Alice-book-2e91';

let server: TestServer;
let alice: TestClient; // the victim, an admin: only CSRF and Origin stand between her cookie and the admin routes
let mallory: TestClient; // another signed-in user, not an admin
let ids: { character: string; chat: string; persona: string; connection: string; shared: string; world: string; group: string; trash: string };
let malloryId: string;

before(async () => {
  server = await startTestServer({ config: { enableUserAccounts: true, limits: { loginAttemptsPerMinute: 100_000 } } });
  await addUser(server, { handle: 'alice', password: 'alice-password', admin: true });
  await addUser(server, { handle: 'bob', password: 'bob-password' });
  malloryId = (await addUser(server, { handle: 'mallory', password: 'mallory-password' })).id;
  alice = new TestClient(server.url);
  mallory = new TestClient(server.url);
  assert.equal((await alice.login('alice', 'alice-password')).status, 200);
  assert.equal((await mallory.login('mallory', 'mallory-password')).status, 200);
  const { characterId, chatId } = await createCharacterAndChat(alice, { name: SECRET });
  const persona = newId();
  assert.equal((await alice.post('/api/personas', { id: persona, name: SECRET })).status, 201);
  const connection = newId();
  const created = await alice.post('/api/connections', {
    id: connection,
    name: SECRET,
    api: 'chat-completions',
    baseUrl: 'https://api.example.com/v1',
    apiKey: 'sk-alice-secret-key',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await alice.patch('/api/settings', { opId: newId(), patch: { note: SECRET } })).status, 200);
  // A book of hers, linked by name (what a chat's metadata `world_info` names), a group and something in her trash.
  const world = newId();
  assert.equal((await alice.post('/api/worlds', { id: world, name: BOOK })).status, 201);
  const entry = { opId: newId(), type: 'putEntry', uid: '0', entry: { key: ['x'], content: SECRET } };
  assert.equal((await alice.post(`/api/worlds/${world}/ops`, { ops: [entry] })).status, 200);
  const group = newId();
  assert.equal((await alice.post('/api/groups', { id: group, name: SECRET, memberIds: [characterId] })).status, 201);
  const binned = newId();
  assert.equal((await alice.post('/api/worlds', { id: binned, name: `${SECRET} binned` })).status, 201);
  assert.equal((await alice.delete(`/api/worlds/${binned}`)).status, 204);
  const trash = (await alice.get('/api/trash')).body.items[0].id as string;
  // Alice shares another chat with Mallory (to write): the share must open nothing else of Alice's.
  const open = await createCharacterAndChat(alice, { name: 'Open to Mallory' });
  assert.equal((await alice.post(`/api/chats/${open.chatId}/shares`, { handle: 'mallory', access: 'write' })).status, 200);
  ids = { character: characterId, chat: chatId, persona, connection, shared: open.chatId, world, group, trash };
});
after(() => server.close());

/** The route's path with its parameters filled with the victim's ids. */
function concretePath(route: RouteEntry): string {
  return route.url
    .replace(/^\/api\/(\w+)\/:id/, (whole, resource: string) => {
      const victims: Record<string, string> = {
        characters: ids.character,
        personas: ids.persona,
        connections: ids.connection,
        chats: ids.chat,
        worlds: ids.world,
        groups: ids.group,
        trash: ids.trash,
      };
      const id = victims[resource] ?? newId();
      return `/api/${resource}/${id}`;
    })
    .replace(/:handle/g, 'bob')
    .replace(/:\w+/g, ids.chat)
    .replace(/\*$/, 'index.html');
}

/** A body that would be accepted if the checks were skipped, so a bypass shows as a write; `{}` for routes not listed. */
function bodyFor(route: RouteEntry): unknown {
  const bodies: Record<string, unknown> = {
    'POST /api/characters': { card: makeCard({ name: 'Planted' }) },
    'PUT /api/characters/:id': { card: makeCard({ name: 'Hijacked' }) },
    'POST /api/chats': { characterId: ids.character },
    'POST /api/chats/:id/ops': { ops: [appendOp('intruder')] },
    'PATCH /api/settings': { opId: newId(), patch: { note: 'hijacked' } },
    'POST /api/personas': { id: newId(), name: 'Planted' },
    'PATCH /api/personas/:id': { opId: newId(), patch: { name: 'Hijacked' } },
    'POST /api/connections': { id: newId(), name: 'Planted', api: 'chat-completions', baseUrl: 'https://evil.example/v1' },
    'PATCH /api/connections/:id': { name: 'Hijacked' },
    'POST /api/worlds/:id/ops': { ops: [{ opId: newId(), type: 'rename', name: 'Hijacked' }] },
    'PATCH /api/groups/:id': { name: 'Hijacked' },
    'POST /api/users': { handle: 'intruder', password: 'intruder-password', admin: true },
    'PATCH /api/users/:handle': { password: 'taken-over-password', admin: true },
    'POST /api/auth/login': { handle: 'alice', password: 'not-her-password' },
    'POST /api/auth/password': { current: 'not-her-password', next: 'taken-over-password' },
  };
  return bodies[`${route.method} ${route.url}`] ?? {};
}

/** Ways to write the same path that a router, a proxy or a decoder may read differently. */
function spellings(path: string): string[] {
  const [, first = '', ...rest] = path.split('/');
  const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
  const encodeFirstLetter = (segment: string) =>
    segment.replace(/[a-z]/i, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const variants = [
    path,
    `/${encodeFirstLetter(first)}${tail}`,
    `/${first}${tail.replace(/\/([a-z])/i, (_m, c: string) => `/%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    `/${encodeFirstLetter(first).replace('%', '%25')}${tail}`,
    rest.length > 0 ? `/${first}%2F${rest.join('%2F')}` : `${path}%2F`,
    rest.length > 0 ? `/${first}%2f${rest.join('/')}` : `${path}%2f`,
    path.toUpperCase(),
    `/${first.charAt(0).toUpperCase()}${first.slice(1)}${tail}`,
    `/${path}`,
    path.replace(/\/([^/]*)$/, '//$1'),
    `/.${path}`,
    `/x/..${path}`,
    `/${first}/x/..${tail}`,
    `/%2e${path}`,
    `${path}/`,
    `${path};x`,
    `${path}?x`,
  ];
  return [...new Set(variants)];
}

interface RawReply {
  status: number;
  type: string;
  body: string;
}

/** A request sent byte for byte as written (fetch would normalise `/./`, `..` and case of percent escapes). */
function raw(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<RawReply> {
  const { port } = new URL(server.url);
  const payload = body === undefined || method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...headers,
          ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        // Event streams never end: what came within a moment is enough to judge.
        const timer = setTimeout(() => finish(), 300);
        const finish = () => {
          clearTimeout(timer);
          res.destroy();
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size > 1_000_000) finish();
        });
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Every row of every table (found in the database, so tables added later count), minus what may move on its own. */
async function snapshot(exclude: (table: string, row: Record<string, unknown>) => boolean = () => false) {
  const tables = (await server.store.db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
  const digest: Record<string, { rows: number; hash: string }> = {};
  for (const table of tables.sort()) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(server.store.db);
    const kept = rows
      .filter((row) => !exclude(table, row))
      // A session's expiry slides as it is used: that is not a write an attacker caused.
      .map((row) => JSON.stringify(table === 'sessions' ? { ...row, last_seen_at: 0, expires_at: 0 } : row, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)))
      .sort();
    digest[table] = { rows: kept.length, hash: createHash('sha256').update(kept.join('\n')).digest('hex') };
  }
  return digest;
}

/** Rows that are Mallory's own (her session, her characters, chats and what hangs off them), which she may write. */
async function isMallorys() {
  const chats = new Set((await server.store.db.selectFrom('chats').select('id').where('user_id', '=', malloryId).execute()).map((c) => c.id));
  return (table: string, row: Record<string, unknown>) =>
    row.user_id === malloryId ||
    (typeof row.chat_id === 'string' && chats.has(row.chat_id)) ||
    (typeof row.scope === 'string' && (row.scope.includes(malloryId) || [...chats].some((id) => String(row.scope).includes(id)))) ||
    // Blobs are shared by content; Mallory's uploads add some. The victim's are checked through her rows.
    table === 'blobs';
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The only 2xx an unmatched GET may get is the web client's page, which holds no data. */
const isAppPage = (route: RouteEntry, reply: RawReply) =>
  SAFE.has(route.method) && reply.type.startsWith('text/html') && !reply.body.includes(SECRET);
const isPublic = (route: RouteEntry) => route.auth === 'none' || route.auth === 'optional';

interface Attacker {
  name: string;
  applies(route: RouteEntry): boolean;
  headers(): Record<string, string>;
}

const attackers: Attacker[] = [
  { name: 'no cookie', applies: () => true, headers: () => ({}) },
  {
    name: "the victim's cookie without a CSRF token",
    applies: (route) => !SAFE.has(route.method),
    headers: () => ({ cookie: alice.cookieHeader }),
  },
  {
    name: "the victim's cookie and token from a foreign Origin",
    applies: (route) => !SAFE.has(route.method),
    headers: () => ({ cookie: alice.cookieHeader, 'x-csrf-token': alice.csrfToken!, origin: 'http://evil.example' }),
  },
  {
    name: "the victim's cookie and token, a cross-site fetch",
    applies: (route) => !SAFE.has(route.method),
    headers: () => ({ cookie: alice.cookieHeader, 'x-csrf-token': alice.csrfToken!, 'sec-fetch-site': 'cross-site' }),
  },
];

test('the route table lists every route with its security, and each declares one that a test can read', async () => {
  const routes = server.app.routeTable();
  assert.ok(routes.length >= 30, `only ${routes.length} routes`);
  const byKey = new Map(routes.map((r) => [`${r.method} ${r.url}`, r.auth]));
  assert.equal(byKey.get('GET /api/users'), 'admin');
  assert.equal(byKey.get('POST /api/users'), 'admin');
  assert.equal(byKey.get('GET /api/chats'), 'required');
  assert.equal(byKey.get('GET /healthz'), 'none');
  assert.equal(byKey.get('GET /api/session'), 'optional');
  // Public routes are few and named: a new route is signed-in unless it says otherwise.
  const publicApi = routes.filter((r) => isPublic(r) && r.url.startsWith('/api/')).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(publicApi.sort(), ['GET /api/session', 'HEAD /api/session', 'POST /api/auth/login'].sort());
});

for (const attacker of attackers) {
  test(`every route × every spelling of its path, by ${attacker.name}: no 2xx but the public routes, nothing written`, async () => {
    const routes = server.app.routeTable().filter((route) => attacker.applies(route) && !isPublic(route));
    assert.ok(routes.length > 0);
    const before = await snapshot();
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      for (const path of spellings(concretePath(route))) {
        const reply = await raw(route.method, path, attacker.headers(), bodyFor(route));
        sent += 1;
        const appPage = isAppPage(route, reply);
        if (reply.status >= 500) failures.push(`${route.method} ${path}: ${reply.status} ${reply.body.slice(0, 200)}`);
        else if (reply.status < 300 && !appPage) failures.push(`${route.method} ${path}: ${reply.status} ${reply.body.slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${sent} requests got through`);
    assert.deepEqual(await snapshot(), before, 'an attacker changed the database');
    // The victim is still signed in and her data is hers.
    assert.equal((await alice.get(`/api/characters/${ids.character}`)).body.card.data.name, SECRET);
  });
}

test("every route × every spelling, with another user's cookie and token: the victim's data is neither shown nor changed", async () => {
  const routes = server.app.routeTable().filter((route) => !isPublic(route));
  const mine = await isMallorys();
  const before = await snapshot(mine);
  const failures: string[] = [];
  for (const route of routes) {
    for (const path of spellings(concretePath(route))) {
      const headers = { cookie: mallory.cookieHeader, ...(mallory.csrfToken && { 'x-csrf-token': mallory.csrfToken }) };
      const reply = await raw(route.method, path, headers, bodyFor(route));
      if (reply.status >= 500) failures.push(`${route.method} ${path}: ${reply.status} ${reply.body.slice(0, 200)}`);
      if ([SECRET, BOOK, 'alice-secret-key'].some((secret) => reply.body.includes(secret))) failures.push(`${route.method} ${path}: shows the victim's data`);
      if (route.auth === 'admin' && reply.status < 300 && !isAppPage(route, reply)) failures.push(`${route.method} ${path}: admin route answered ${reply.status}`);
    }
    // Her own sign-out or password change ends her session; sign in again so the next routes are tried signed in.
    if ((await mallory.session()).body.user === null) assert.equal((await mallory.login('mallory', 'mallory-password')).status, 200);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(await snapshot(await isMallorys()), before, "another user changed the victim's rows or the accounts");
  // The ids tried were live: with her own cookie they answer her data.
  assert.ok(JSON.stringify((await alice.get(`/api/worlds/${ids.world}`)).body).includes(SECRET));
  assert.equal((await alice.get(`/api/groups/${ids.group}`)).body.name, SECRET);
  assert.ok((await alice.get('/api/trash')).body.items.some((item: { id: string }) => item.id === ids.trash));
});

test("every route of a chat, on the chat Alice shares with Mallory: nothing else of Alice's shows, nor can be brought in", async () => {
  // What the shared chat uses (her persona's name, her connection's name in /overrides) a participant sees by design;
  // her key, her other chat and a book the chat does not use, never. (No reply is started: it would go upstream.)
  const routes = server.app.routeTable().filter((route) => route.url.startsWith('/api/chats/:id') && !route.url.endsWith('/generate'));
  assert.ok(routes.length >= 10, `only ${routes.length} chat routes`);
  const failures: string[] = [];
  const headers = () => ({ cookie: mallory.cookieHeader, 'x-csrf-token': mallory.csrfToken!, origin: server.url });
  for (const route of routes) {
    const path = route.url.replace(':id', ids.shared).replace(/:handle/g, 'alice').replace(/:\w+/g, ids.chat);
    const reply = await raw(route.method, path, headers(), bodyFor(route));
    if (reply.status >= 500) failures.push(`${route.method} ${path}: ${reply.status} ${reply.body.slice(0, 200)}`);
    for (const secret of ['alice-secret-key', BOOK, ids.chat]) if (reply.body.includes(secret)) failures.push(`${route.method} ${path}: shows ${secret}`);
  }
  assert.deepEqual(failures, []);
  // Her book (by name) and her connection (by id) cannot be chosen for the shared chat's replies.
  const before = (await alice.get(`/api/chats/${ids.shared}`)).body.revision;
  for (const patch of [{ world_info: BOOK }, { parley_overrides: { connectionId: ids.connection } }]) {
    const chosen = await mallory.post(`/api/chats/${ids.shared}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch }] });
    assert.equal(chosen.status, 403, JSON.stringify(patch));
  }
  assert.equal((await alice.get(`/api/chats/${ids.shared}`)).body.revision, before);
});

test('the reported bypass: /%61pi/users neither lists, creates, changes nor deletes users without a session', async () => {
  const anonymous = { origin: 'http://evil.example' };
  assert.equal((await raw('GET', '/%61pi/users', {})).status, 401);
  assert.equal((await raw('POST', '/%61pi/users', anonymous, { handle: 'mallory2', password: 'mallory-password', admin: true })).status, 403);
  assert.equal((await raw('POST', '/%61pi/users', {}, { handle: 'mallory2', password: 'mallory-password', admin: true })).status, 401);
  assert.equal((await raw('PATCH', '/%61pi/users/alice', {}, { password: 'taken-over-password' })).status, 401);
  assert.equal((await raw('DELETE', '/%61pi/users/bob', {})).status, 401);
  assert.equal((await raw('GET', '/%61pi/chats', {})).status, 401);
  assert.equal((await new TestClient(server.url).login('mallory2', 'mallory-password')).status, 401);
  // The same requests with the victim's full credentials go through: the table above can tell a refusal apart.
  assert.equal((await alice.get('/%61pi/users')).status, 200);
  assert.equal((await alice.get(`/api/chats/${ids.chat}/messages`)).status, 200);
});

test('an unmatched path is 404 before anything runs, and a GET of a client path is never refused', async () => {
  const before = await snapshot();
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const reply = await raw(method, '/api/no-such-route', { cookie: alice.cookieHeader }, { big: 'x'.repeat(1000) });
    assert.equal(reply.status, 404, `${method}: ${reply.body}`);
    assert.equal(JSON.parse(reply.body).error, 'not_found');
  }
  // A malformed body on an unmatched path is not even read.
  const req = await raw('POST', '/api/nowhere', {}, undefined);
  assert.equal(req.status, 404);
  assert.equal((await raw('GET', '/api/no-such-route', {})).status, 404);
  const deepLink = await raw('GET', `/chats/${ids.chat}`, {});
  assert.notEqual(deepLink.status, 401);
  assert.ok(deepLink.status === 200 || deepLink.status === 404, String(deepLink.status));
  assert.deepEqual(await snapshot(), before);
});
