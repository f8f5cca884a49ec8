import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { createCharacterAndChat } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { startTestServer, tempDir, type TestServer } from '../../support/test-server.js';

/*
 * Item 7 of issue 8: turning accounts on leaves no door open and strands no library. The library made in
 * single-user mode belongs to `default-user` (no password, admin); while accounts are on, a session of a user
 * without a password is not honoured, and the operator takes the library over by giving default-user a password.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const servers: TestServer[] = [];
after(async () => {
  for (const server of servers.reverse()) await server.close();
});

async function start(dataDir: string, accounts: boolean) {
  const server = await startTestServer({ dataDir, config: { enableUserAccounts: accounts } });
  servers.push(server);
  return server;
}

test('single-user library -> accounts on: the old tab is signed out, the operator sets a password, default-user signs in to the whole library', async () => {
  const dataDir = tempDir();
  const single = await start(dataDir, false);
  const tab = new TestClient(single.url);
  const session = await tab.session();
  assert.equal(session.body.user.handle, 'default-user');
  const { characterId, chatId } = await createCharacterAndChat(tab, { name: 'Made alone' });
  await single.stop();

  // The operator turns accounts on and restarts; the tab that stayed open comes back with its old cookie.
  const shared = await start(dataDir, true);
  const oldTab = tab.sameBrowser(shared.url);
  assert.equal((await oldTab.get('/api/characters')).status, 401);
  assert.equal((await oldTab.get(`/api/chats/${chatId}/messages`)).status, 401);
  const described = await oldTab.session();
  assert.equal(described.status, 200);
  assert.equal(described.body.user, null, 'a password-less session must not survive accounts being turned on');
  // Its cookie is gone for good, not only refused.
  assert.equal(oldTab.cookies.size, 0);
  assert.equal((await tab.sameBrowser(shared.url).post('/api/characters', { card: {} })).status, 401);
  // Nobody signs in as default-user without a password.
  assert.equal((await new TestClient(shared.url).login('default-user', '')).status, 400);
  assert.equal((await new TestClient(shared.url).login('default-user', 'anything-at-all')).status, 401);

  // The operator's step, with the real command line beside the running server (docs/operations.md, "Accounts").
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/server/main.ts'), 'users', 'passwd', 'default-user', '--password', 'taken-over-library', '--data', dataDir],
    { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(run.status, 0, run.stderr);

  const owner = new TestClient(shared.url);
  const login = await owner.login('default-user', 'taken-over-library');
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user.admin, true);
  const characters = (await owner.get('/api/characters')).body;
  assert.deepEqual(characters.map((c: { id: string; name: string }) => [c.id, c.name]), [[characterId, 'Made alone']]);
  assert.equal((await owner.get(`/api/chats/${chatId}/messages`)).body.messages.length, 1);
  // As the admin, the owner can now make accounts for others.
  assert.equal((await owner.post('/api/users', { handle: 'friend', password: 'friend-password' })).status, 201);
});
