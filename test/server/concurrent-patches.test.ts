import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { freshDatabase, unavailable } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Issue 8 item 6: settings, personas and connection profiles are read and written back under their row lock, as
 * chats are. Two nodes on one PostgreSQL patch different keys of the same row at the same instant, 200 times:
 * both keys survive every time.
 */

const ROUNDS = 200;
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('two nodes patching different keys at once never lose one (PostgreSQL)', { skip: (await unavailable('postgres')) ?? false, timeout: 300_000 }, async () => {
  const database = await freshDatabase('postgres');
  cleanups.push(() => database.dispose());
  const nodes: TestServer[] = [];
  for (let i = 0; i < 2; i++) {
    const node = await startTestServer({ config: { ...database.configKeys, logLevel: 'warn' } });
    cleanups.push(() => node.close());
    nodes.push(node);
  }
  const onA = new TestClient(nodes[0]!.url);
  await onA.session();
  const onB = onA.sameBrowser(nodes[1]!.url);
  await onB.session();

  const persona = (await onA.post('/api/personas', { id: newId(), name: 'Start', description: 'start' })).body;
  const profile = { id: newId(), name: 'Local', api: 'chat-completions', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' };
  assert.equal((await onA.post('/api/connections', profile)).status, 201);

  const both = async <T>(a: () => Promise<{ status: number; body: T }>, b: () => Promise<{ status: number; body: T }>) => {
    const [ra, rb] = await Promise.all([a(), b()]);
    assert.equal(ra.status, 200, JSON.stringify(ra.body));
    assert.equal(rb.status, 200, JSON.stringify(rb.body));
  };
  const lost = { settings: 0, personas: 0, connections: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    await both(
      () => onA.patch('/api/settings', { opId: newId(), patch: { fromA: round } }),
      () => onB.patch('/api/settings', { opId: newId(), patch: { fromB: round } }),
    );
    const settings = (await onA.get('/api/settings')).body.values;
    if (settings.fromA !== round || settings.fromB !== round) lost.settings++;

    await both(
      () => onA.patch(`/api/personas/${persona.id}`, { opId: newId(), patch: { name: `A${round}` } }),
      () => onB.patch(`/api/personas/${persona.id}`, { opId: newId(), patch: { description: `B${round}` } }),
    );
    const p = (await onB.get('/api/personas')).body.find((x: { id: string }) => x.id === persona.id);
    if (p.name !== `A${round}` || p.description !== `B${round}`) lost.personas++;

    await both(
      () => onA.patch(`/api/connections/${profile.id}`, { settings: { temperature: (round % 20) / 10 } }),
      () => onB.patch(`/api/connections/${profile.id}`, { settings: { top_p: ((round % 10) + 1) / 10 } }),
    );
    const c = (await onA.get('/api/connections')).body.find((x: { id: string }) => x.id === profile.id);
    if (c.settings.temperature !== (round % 20) / 10 || c.settings.top_p !== ((round % 10) + 1) / 10) lost.connections++;
  }
  assert.deepEqual(lost, { settings: 0, personas: 0, connections: 0 }, `rounds in ${ROUNDS} where a key was lost`);
  // Every patch was one revision: 1 per patch of each node.
  assert.equal((await onA.get('/api/settings')).body.revision, 2 * ROUNDS);
});
