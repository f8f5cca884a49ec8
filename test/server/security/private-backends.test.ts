import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPrivateHost } from '../../../src/server/addresses/private-ranges.js';
import { newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { serversForThisFile } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

/*
 * Item 8 of issue 8: with accounts on and an empty backendAllowlist, a user who is not an admin cannot point a
 * connection at this server or its private network (the server would send the requests); admins and single-user
 * mode keep local backends. A base URL that ends in ? or # is refused for everyone.
 */

const serve = serversForThisFile({ logLevel: 'warn' });

const INWARD = [
  'http://127.0.0.1:8080/v1',
  'http://127.8.9.10/v1',
  'http://localhost:5001/v1',
  'http://api.localhost/v1',
  'http://10.0.0.5/v1',
  'http://172.20.1.1/v1',
  'http://192.168.1.20:5000/v1',
  'http://169.254.169.254/latest',
  'http://100.64.0.1/v1',
  'http://0.0.0.0:8080/v1',
  'http://[::1]:8080/v1',
  'http://[fe80::1]/v1',
  'http://[fd12:3456::1]/v1',
  'http://[::ffff:127.0.0.1]/v1',
  'http://0x7f.1/v1',
  'http://2130706433/v1',
];
const OUTWARD = ['https://api.openai.com/v1', 'https://openrouter.ai/api/v1', 'http://8.8.8.8/v1', 'http://[2001:4860::8888]/v1'];

const profile = (baseUrl: string) => ({ id: newId(), name: 'p', api: 'chat-completions', baseUrl });

test('isPrivateHost, as the URL parser writes hosts (a table)', () => {
  for (const url of INWARD) assert.equal(isPrivateHost(new URL(url).hostname), true, url);
  for (const url of OUTWARD) assert.equal(isPrivateHost(new URL(url).hostname), false, url);
});

test('accounts on, empty list: a user who is not an admin cannot create or patch a profile that points inward; an admin can', async () => {
  const server = await serve({ enableUserAccounts: true });
  await addUser(server, { handle: 'root', password: 'root-password', admin: true });
  await addUser(server, { handle: 'user', password: 'user-password' });
  const admin = new TestClient(server.url);
  const user = new TestClient(server.url);
  await admin.login('root', 'root-password');
  await user.login('user', 'user-password');

  for (const url of INWARD) {
    const reply = await user.post('/api/connections', profile(url));
    assert.equal(reply.status, 400, `${url}: ${JSON.stringify(reply.body)}`);
    assert.match(reply.body.message, /private network; on a shared server only an admin/);
    assert.equal((await admin.post('/api/connections', profile(url))).status, 201, url);
  }
  assert.deepEqual((await user.get('/api/connections')).body, []);
  const outward = await user.post('/api/connections', profile('https://api.openai.com/v1'));
  assert.equal(outward.status, 201);
  const patched = await user.patch(`/api/connections/${outward.body.id}`, { baseUrl: 'http://192.168.1.20:5000/v1' });
  assert.equal(patched.status, 400);
  assert.equal((await user.get(`/api/connections/${outward.body.id}`)).body.baseUrl, 'https://api.openai.com/v1');
});

test('single-user mode and an operator list keep local backends working; a stored inward profile is refused at use', async () => {
  const single = await serve({ enableUserAccounts: false });
  const me = new TestClient(single.url);
  await me.session();
  assert.equal((await me.post('/api/connections', profile('http://127.0.0.1:8080/v1'))).status, 201);
  await single.stop();

  // The same library with accounts on: the profile stored before is refused at test without any request being sent.
  const shared = await serve({ enableUserAccounts: true }, { dataDir: single.dataDir });
  await addUser(shared, { handle: 'user', password: 'user-password' });
  const stored = await shared.store.connections.list((await shared.store.users.byHandle('default-user'))!.id);
  const moved = stored[0]!;
  const userId = (await shared.store.users.byHandle('user'))!.id;
  await shared.store.connections.insert(userId, { ...moved, id: newId() });
  const user = new TestClient(shared.url);
  await user.login('user', 'user-password');
  const [mine] = (await user.get('/api/connections')).body;
  const tested = await user.post(`/api/connections/${mine.id}/test`);
  assert.equal(tested.status, 200);
  assert.equal(tested.body.ok, false);
  assert.equal(tested.body.failure, 'not_allowed');
  assert.equal((await user.get(`/api/connections/${mine.id}/models`)).status, 400);

  const listed = await serve({ enableUserAccounts: true, backendAllowlist: ['127.0.0.1:8080'] });
  await addUser(listed, { handle: 'user', password: 'user-password' });
  const client = new TestClient(listed.url);
  await client.login('user', 'user-password');
  assert.equal((await client.post('/api/connections', profile('http://127.0.0.1:8080/v1'))).status, 201);
  assert.equal((await client.post('/api/connections', profile('http://127.0.0.1:9999/v1'))).status, 400);
});

test('a base URL ending in ? or # is refused: every path appended to it would land in the query or fragment', async () => {
  const server = await serve();
  const me = new TestClient(server.url);
  await me.session();
  for (const url of ['https://api.example.com/v1?', 'https://api.example.com/v1#', 'https://api.example.com/v1?#', 'https://api.example.com/v1?x=1']) {
    const reply = await me.post('/api/connections', profile(url));
    assert.equal(reply.status, 400, url);
    assert.ok(reply.body.details.problems.some((p: { path: string }) => p.path === 'baseUrl'), url);
  }
});
