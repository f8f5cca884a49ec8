import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../support/http-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/*
 * Issue 15.4: every route's schemas are zod, so the server names zod's compilers as its own and Fastify never loads
 * its JSON-schema ones (ajv, fast-json-stringify: ~100 modules and ~1 MB of memory at start). This file runs in a
 * process of its own (node --test), so the module cache holds only what starting a server loaded.
 */

const loaded = (pkg: string) =>
  Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(`/node_modules/${pkg}/`));

describe('schema compilers', () => {
  let server: TestServer;
  let client: TestClient;

  before(async () => {
    server = await startTestServer();
    client = new TestClient(server.url);
    await client.session();
  });
  after(() => server.close());

  test('a bad body is still refused by the zod schema, with its field named', async () => {
    const reply = await client.post('/api/characters', { card: { name: 42 } });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error, 'invalid_request', JSON.stringify(reply.body));
    assert.ok(
      reply.body.details.problems.some((problem: { path: string }) => problem.path === 'card.spec'),
      JSON.stringify(reply.body),
    );
  });

  test("starting and serving loads none of Fastify's JSON-schema compilers", () => {
    for (const pkg of ['ajv', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler']) {
      assert.equal(loaded(pkg), false, `${pkg} was loaded`);
    }
    assert.ok(loaded('fastify'), 'the module cache is the one the server was loaded into');
  });
});
