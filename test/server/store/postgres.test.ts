import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { after, describe, test, type TestContext } from 'node:test';
import { appendOp, createCharacterAndChat } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { ManualClock } from '../../support/manual-clock.js';
import { freshDatabase, unavailable, type TestDatabase } from '../../support/test-databases.js';
import { serversForThisFile } from '../../support/test-server.js';
import { SseReader } from '../../support/sse-reader.js';
import { addUser } from '../../support/users.js';

/** The scale-out path: Parley nodes with `database.url` on one PostgreSQL database, talked to over HTTP. */
const skipReason = await unavailable('postgres');

// The servers' `after` is registered first, so they close before their databases are dropped.
const startServer = serversForThisFile();
const databases: TestDatabase[] = [];
after(async () => {
  for (const db of databases) await db.dispose();
});

async function database(t: TestContext): Promise<TestDatabase | null> {
  if (skipReason) {
    t.skip(skipReason);
    return null;
  }
  const db = await freshDatabase('postgres');
  databases.push(db);
  return db;
}

async function node(db: TestDatabase, clock: ManualClock, config: Record<string, unknown> = {}) {
  const server = await startServer({ ...db.configKeys, ...config }, { clock });
  assert.equal(server.store.dialect.name, 'postgres');
  return server;
}

describe('sessions on PostgreSQL', () => {
  test('a session survives a restart of the node', async (t) => {
    const db = await database(t);
    if (!db) return;
    const clock = new ManualClock();
    const first = await node(db, clock);
    const client = new TestClient(first.url);
    const before = await client.session();
    assert.equal(before.body.user.handle, 'default-user');
    await first.stop();

    const second = await node(db, clock);
    const restarted = client.sameBrowser(second.url);
    const afterRestart = await restarted.session();
    assert.equal(afterRestart.body.csrfToken, before.body.csrfToken, 'same session');
    assert.equal(afterRestart.headers.getSetCookie().length, 0, 'no new cookie needed');
    assert.equal((await restarted.post('/api/auth/logout')).status, 204, 'its CSRF token still works');
  });

  test('two nodes share sessions: signed in on one, recognised on the other; logout on one ends it on both', async (t) => {
    const db = await database(t);
    if (!db) return;
    const clock = new ManualClock();
    const a = await node(db, clock, { enableUserAccounts: true });
    const b = await node(db, clock, { enableUserAccounts: true });
    await addUser(a, { handle: 'alice', password: 'alice password', admin: true }, clock);

    const onA = new TestClient(a.url);
    assert.equal((await onA.login('alice', 'alice password')).status, 200);
    const onB = onA.sameBrowser(b.url);
    const list = await onB.get('/api/users');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((u: { handle: string }) => u.handle),
      ['alice'],
    );
    const created = await onB.post('/api/users', { handle: 'bob', password: 'bob password' });
    assert.equal(created.status, 201, "node B accepts node A's CSRF token");
    assert.ok(await a.store.users.byHandle('bob'), 'and node A sees what B wrote');

    assert.equal((await onB.post('/api/auth/logout')).status, 204);
    const replay = await onA.get('/api/users');
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'not_authenticated');
  });

  test('idle expiry is enforced by every node, with the same refusal code', async (t) => {
    const db = await database(t);
    if (!db) return;
    const clock = new ManualClock();
    const a = await node(db, clock, { sessionTimeout: 600 });
    const b = await node(db, clock, { sessionTimeout: 600 });
    const onA = new TestClient(a.url);
    await onA.session();
    clock.advanceSeconds(500);
    const onB = onA.sameBrowser(b.url);
    assert.equal((await onB.post('/api/auth/logout', undefined, { csrf: 'stale' })).body.error, 'csrf_invalid', 'alive at 500 s');
    clock.advanceSeconds(500);
    assert.equal((await onA.post('/api/auth/logout', undefined, { csrf: 'stale' })).body.error, 'csrf_invalid', 'B slid it');
    clock.advanceSeconds(601);
    const expired = await onB.post('/api/auth/logout');
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'session_expired');
    assert.equal(b.logs.refusals('session_expired')[0]?.sessionAgeS, 1601);
  });

  test('nodes starting at the same moment share one default user', async (t) => {
    const db = await database(t);
    if (!db) return;
    const clock = new ManualClock();
    const nodes = await Promise.all([node(db, clock), node(db, clock), node(db, clock)]);
    const users = await nodes[0]!.store.users.list();
    assert.deepEqual(
      users.map((u) => u.handle),
      ['default-user'],
    );
    for (const n of nodes) assert.equal((await new TestClient(n.url).session()).body.user.handle, 'default-user');
  });
});

describe('one PostgreSQL database shared with others', () => {
  // Other schemas of the same database change while a node starts (here: other test files' migrations; in use:
  // other applications). Kysely's own introspector, which the migrator asks at every start whether its tables
  // exist, read every schema and called catalog functions per column, so a column or schema dropped elsewhere at
  // that moment failed our start ("column … of relation … does not exist"). Only the node's own schema is read now.
  test("a node's introspection sees only the tables of its own schema", async (t) => {
    const db = await database(t);
    const other = db && (await database(t));
    if (!db || !other) return;
    const clock = new ManualClock();
    const mine = await node(db, clock);
    const theirs = await node(other, clock);
    await sql`CREATE TABLE only_theirs (id integer GENERATED ALWAYS AS IDENTITY, note text)`.execute(theirs.store.db);

    const tables = await mine.store.db.introspection.getTables();
    assert.ok(tables.length > 10, 'Parley’s tables are listed');
    assert.ok(tables.every((table) => table.schema === tables[0]!.schema), 'all from one schema');
    assert.ok(!tables.some((table) => table.name === 'only_theirs' || table.name.startsWith('kysely_migration')));
    const withKysely = await mine.store.db.introspection.getTables({ withInternalKyselyTables: true });
    assert.deepEqual(withKysely.map((table) => table.name).filter((name) => name.startsWith('kysely_')), ['kysely_migration', 'kysely_migration_lock']);

    const [theirTable] = (await theirs.store.db.introspection.getTables()).filter((table) => table.name === 'only_theirs');
    assert.deepEqual(
      theirTable?.columns.map((c) => [c.name, c.dataType, c.isNullable, c.isAutoIncrementing]),
      [
        ['id', 'int4', false, true],
        ['note', 'text', true, false],
      ],
    );
  });
});

describe("a node on the database's machine", () => {
  const socketDir = '/var/run/postgresql';

  test("connects over PostgreSQL's Unix socket (`?host=<socket directory>`): saves, and hears a TCP node's changes", async (t) => {
    const db = await database(t);
    if (!db) return;
    if (!existsSync(socketDir)) return t.skip(`no PostgreSQL socket directory at ${socketDir}`);
    const url = new URL((db.database as { url: string }).url);
    url.searchParams.set('host', socketDir);
    const clock = new ManualClock();
    const overSocket = await node(db, clock, { database: { url: url.toString() } });
    const overTcp = await node(db, clock);
    // A Unix-socket connection has no server address.
    const { rows } = await sql<{ address: string | null }>`SELECT inet_server_addr()::text AS address`.execute(overSocket.store.db);
    assert.equal(rows[0]?.address, null, 'the node is on the socket, not loopback TCP');

    const client = new TestClient(overSocket.url);
    await client.session();
    const { chatId } = await createCharacterAndChat(client);
    const listening = new SseReader(client.sameBrowser(overTcp.url), '/api/events');
    await listening.ready;
    const saved = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('over the socket')] });
    assert.equal(saved.body.results[0].status, 'applied');
    await listening.until((e) => e.data.type === 'chat' && e.data.revision === saved.body.revision);
    listening.close();
    const page = await client.sameBrowser(overTcp.url).get(`/api/chats/${chatId}/messages`);
    assert.equal(page.body.messages.at(-1).content, 'over the socket');
  });
});
