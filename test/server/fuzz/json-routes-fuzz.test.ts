import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Store } from '../../../src/server/store/store.js';
import type { RouteEntry } from '../../../src/server/security/request-auth.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, makeCard, newId } from '../../support/fixtures.js';
import { fuzzParameters, hostileJson, hostileText, mutateAt, nested } from '../../support/fuzz.js';
import { TestClient } from '../../support/http-client.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../../support/test-databases.js';
import type { TestServer } from '../../support/test-server.js';

/**
 * Issue 8 item 10: every JSON route (read from the app's route table, so a new route is fuzzed by itself) gets
 * hostile bodies, ids and query strings. Never a 5xx (but the 502 that names a backend's failure), the server stays
 * up, and a refused write leaves the database exactly as it was.
 */

/** The share of the fuzz budget (see test/support/fuzz.ts) for each database. */
const SHARE = { sqlite: 0.1, postgres: 0.02 } as const;

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
  fake.script = { tokens: ['Hi.'] };
});
after(() => fake.close());

interface Seed {
  character: string;
  chat: string;
  message: string;
  persona: string;
  connection: string;
  world: string;
}

/** A body each route takes, so mutations of it reach past the first check. */
function validBody(route: RouteEntry, seed: Seed): unknown {
  const bodies: Record<string, unknown> = {
    'POST /api/characters': { card: makeCard({ name: 'Fuzzed' }) },
    'PUT /api/characters/:id': { card: makeCard({ name: 'Fuzzed' }) },
    'POST /api/characters/:id/duplicate': {},
    'POST /api/chats': { characterId: seed.character },
    'POST /api/chats/:id/ops': {
      ops: [
        appendOp('fuzz'),
        { opId: newId(), type: 'edit', messageId: seed.message, content: 'edited', baseRevision: 1 },
        { opId: newId(), type: 'setMetadata', patch: { note: 'x' } },
        { opId: newId(), type: 'setTitle', title: 'T' },
      ],
    },
    'POST /api/chats/:id/generate': { mode: 'new' },
    'PATCH /api/settings': { opId: newId(), patch: { note: 'x', nested: { a: 1 } } },
    'POST /api/personas': { id: newId(), name: 'P', description: 'd', isDefault: false },
    'PATCH /api/personas/:id': { opId: newId(), patch: { name: 'Q', description: 'e' } },
    'POST /api/connections': { id: newId(), name: 'C', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model', settings: { temperature: 1 } },
    'PATCH /api/connections/:id': { name: 'C2', settings: { top_p: 0.5, max_tokens: 100 } },
    'POST /api/connections/:id/test': {},
    'POST /api/worlds': { id: newId(), name: `W${newId().slice(0, 8)}` },
    'POST /api/worlds/:id/ops': { ops: [{ opId: newId(), type: 'putEntry', uid: '1', entry: { key: ['k'], content: 'c' } }] },
    'POST /api/worlds/from-card': { characterId: seed.character },
    'POST /api/users': { handle: 'someone', password: 'a-long-password' },
    'PATCH /api/users/:handle': { name: 'N' },
    'POST /api/auth/login': { handle: 'default-user', password: 'wrong-password' },
    'POST /api/generations/:id/stop': {},
  };
  return bodies[`${route.method} ${route.url}`] ?? {};
}

const QUERY_KEYS = ['characterId', 'before', 'after', 'limit', 'format', 'ifExists', 'replace', 'name', 'from', 'to', 'days'];

const MOVING_COLUMNS = ['revision', 'updated_at', 'next_seq', 'message_count', 'entry_count', 'size', 'applied_at', 'finished_at', 'stop_requested', 'is_default', 'favourite'];
const tablesOf = new WeakMap<Store, { name: string; moving: string[] }[]>();

/** Each table's row count and the sums of the columns any write to it moves (sessions slide on their own: left out). */
async function fingerprint(store: Store): Promise<string> {
  let tables = tablesOf.get(store);
  if (!tables) {
    // PostgreSQL lists the tables of every schema; ours are those of the search path's.
    const schema = await store.dialect.migrationSchema?.(store.db);
    tables = (await store.db.introspection.getTables())
      .filter((t) => (schema === undefined || t.schema === schema) && !t.name.startsWith('kysely_') && t.name !== 'sessions')
      .map((t) => ({ name: t.name, moving: t.columns.map((c) => c.name).filter((c) => MOVING_COLUMNS.includes(c)) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    tablesOf.set(store, tables);
  }
  const parts: string[] = [];
  for (const table of tables) {
    let query = store.db.selectFrom(table.name as never).select((eb) => eb.fn.countAll<number>().as('n'));
    for (const column of table.moving) query = query.select((eb) => eb.fn.sum(column as never).as(column));
    parts.push(`${table.name}:${JSON.stringify(await query.executeTakeFirst())}`);
  }
  return parts.join('|');
}

interface Reply {
  status: number;
  type: string;
  body: string;
}

/** One request as written; an event stream is read to its end (a generation's) or left after its headers. */
function send(server: TestServer, client: TestClient, method: string, path: string, body: string | undefined): Promise<Reply> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        // A connection each: a kept-alive socket the server has just closed would fail the write, not the server.
        agent: false,
        headers: {
          cookie: client.cookieHeader,
          'x-csrf-token': client.csrfToken ?? '',
          ...(body !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        const type = String(res.headers['content-type'] ?? '');
        const chunks: Buffer[] = [];
        const endless = type.includes('event-stream') && method === 'GET';
        const timer = setTimeout(() => finish(), endless ? 50 : 10_000);
        const finish = () => {
          clearTimeout(timer);
          res.destroy();
          resolve({ status: res.statusCode ?? 0, type, body: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function concretePath(route: RouteEntry, seed: Seed, id: string | null, query: Record<string, string>): string {
  const own: Record<string, string> = { characters: seed.character, chats: seed.chat, personas: seed.persona, connections: seed.connection, worlds: seed.world };
  const path = route.url
    .replace(/^\/api\/(\w+)\/:id/, (_whole, resource: string) => `/api/${resource}/${encodeURIComponent(id ?? own[resource] ?? newId())}`)
    .replace(/:handle/g, encodeURIComponent(id ?? 'default-user'))
    .replace(/:\w+/g, encodeURIComponent(id ?? newId()));
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}

const skips = await dialectSkips();
for (const dialect of DIALECTS) {
  describe(`fuzz: every JSON route (${dialect})`, { skip: skips[dialect] }, () => {
    const serve = serversForThisFileOn(dialect, { logLevel: 'fatal' });
    let server: TestServer;
    let client: TestClient;
    let seed: Seed;

    before(async () => {
      server = await serve();
      client = new TestClient(server.url);
      await client.session();
      const character = (await client.post('/api/characters', { card: makeCard() })).body.id;
      const chat = (await client.post('/api/chats', { characterId: character })).body.id;
      const message = newId();
      await client.post(`/api/chats/${chat}/ops`, { ops: [appendOp('Hello', 'user', message)] });
      const persona = newId();
      await client.post('/api/personas', { id: persona, name: 'Me' });
      const connection = newId();
      await client.post('/api/connections', { id: connection, name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' });
      const world = newId();
      await client.post('/api/worlds', { id: world, name: 'Lore' });
      seed = { character, chat, message, persona, connection, world };
    });

    test('no 5xx, the server stays up, a refused write changes nothing', { timeout: 600_000 }, async () => {
      const routes = server.app
        .routeTable()
        .filter((r: RouteEntry) => r.url.startsWith('/api/') && ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
        // Signing out would leave the rest of the run without a session.
        .filter((r: RouteEntry) => !(r.method === 'POST' && r.url === '/api/auth/logout'));
      const { numRuns, seed: fuzzSeed } = fuzzParameters(SHARE[dialect]);
      const perRoute = Math.max(5, Math.round(numRuns! / routes.length));
      const failures: string[] = [];
      for (const route of routes) {
        const unsafe = route.method !== 'GET';
        const body = fc.oneof(
          hostileJson,
          fc.tuple(fc.nat(), hostileJson).map(([pick, value]) => mutateAt(validBody(route, seed), pick, value)),
          fc.tuple(fc.nat(), fc.integer({ min: 60, max: 400 })).map(([pick, depth]) => mutateAt(validBody(route, seed), pick, nested(depth))),
          fc.constant(validBody(route, seed)),
        );
        const property = fc.asyncProperty(
          body,
          fc.option(fc.oneof(hostileText, fc.constant(newId())), { nil: null }),
          fc.dictionary(fc.constantFrom(...QUERY_KEYS), hostileText, { maxKeys: 3 }),
          fc.boolean(),
          async (payload, id, query, asText) => {
            const json = JSON.stringify(payload) ?? "null";
            // Half the bodies are cut short of their last character: JSON that does not parse.
            const text = asText ? json.slice(0, -1) : json;
            const before = unsafe ? await fingerprint(server.store) : '';
            const reply = await send(server, client, route.method, concretePath(route, seed, id, query), route.method === 'GET' || route.method === 'DELETE' ? undefined : text);
            const named = reply.type.includes('json') ? (JSON.parse(reply.body) as { error?: string }).error : undefined;
            const upstream = reply.status === 502 && named === 'upstream_error';
            if (reply.status >= 500 && !upstream) throw new Error(`${reply.status} ${reply.body.slice(0, 300)}`);
            if (reply.status >= 400 && !named) throw new Error(`a ${reply.status} without a JSON error code: ${reply.body.slice(0, 200)}`);
            if (unsafe && reply.status >= 400 && (await fingerprint(server.store)) !== before) throw new Error(`a refused ${reply.status} ${named} wrote to the database`);
          },
        );
        const result = await fc.check(property, { seed: fuzzSeed, numRuns: perRoute, endOnFailure: true });
        if (result.failed) failures.push(`${route.method} ${route.url}: ${String(result.errorInstance).slice(0, 400)} with ${fc.stringify(result.counterexample).slice(0, 600)}`);
        const health = await send(server, client, 'GET', '/healthz', undefined);
        assert.equal(health.status, 200, `the server is up after fuzzing ${route.method} ${route.url}`);
        if ((await client.get('/api/session')).body?.user === undefined) await client.session();
      }
      console.log(`fuzzed ${routes.length} routes x ${perRoute} cases (${dialect})`);
      assert.deepEqual(failures, []);
    });
  });
}
