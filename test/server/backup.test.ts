import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { backupFolder, backupNow, listBackups } from '../../src/server/backup/backups.js';
import { restoreBackup, verifyBackup } from '../../src/server/backup/restore.js';
import { appendOp, createCharacterAndChat } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { serversForThisFile, startTestServer } from '../support/test-server.js';

const run = promisify(execFile);
const startServer = serversForThisFile();

test('an online backup is consistent while writes go on, and old backups beyond `keep` are pruned', async () => {
  const server = await startServer({ backups: { enabled: true, intervalHours: 24, keep: 2 } });
  const client = new TestClient(server.url);
  await client.session();
  const { chatId } = await createCharacterAndChat(client);
  const writes = (async () => {
    for (let i = 0; i < 40; i++) await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp(`during backup ${i}`)] });
  })();
  const files = [];
  for (let i = 0; i < 3; i++) files.push(await backupNow(server.store, server.config, Date.UTC(2026, 0, 1, 0, 0, i)));
  await writes;
  const kept = listBackups(backupFolder(server.config));
  assert.equal(kept.length, 2, 'keep: 2');
  assert.deepEqual(kept, files.slice(1).map((f) => f.file.split('/').at(-1)));
  for (const name of kept) verifyBackup(join(backupFolder(server.config), name));
});

test('restore brings back the backed-up state and keeps the replaced database; bad files are refused', async () => {
  const server = await startTestServer();
  const client = new TestClient(server.url);
  await client.session();
  const { chatId } = await createCharacterAndChat(client);
  await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('before the backup')] });
  const { file } = await backupNow(server.store, server.config, Date.now());
  await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('after the backup')] });
  await server.stop();

  const notADatabase = join(server.dataDir, 'junk.sqlite');
  writeFileSync(notADatabase, 'this is not sqlite');
  await assert.rejects(restoreBackup(server.config, notADatabase, Date.now()), /cannot be restored/);
  await assert.rejects(restoreBackup(server.config, join(server.dataDir, 'missing.sqlite'), Date.now()), /does not exist/);

  const { savedAs } = await restoreBackup(server.config, file, Date.now());
  assert.ok(savedAs && existsSync(savedAs), 'the replaced database is kept');

  const restarted = await startServer({}, { dataDir: server.dataDir });
  const again = client.sameBrowser(restarted.url);
  await again.session();
  const contents = (await again.get(`/api/chats/${chatId}/messages`)).body.messages.map((m: { content: string }) => m.content);
  assert.deepEqual(contents, ['Welcome, traveller.', 'before the backup']);
});

test('the CLI backs up beside a running server and refuses to restore under it', async () => {
  const server = await startServer();
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/server/main.ts', ...args, '--data', server.dataDir], { timeout: 30_000 });
  writeFileSync(join(server.dataDir, 'config.yaml'), `port: ${new URL(server.url).port}\n`);
  const { stdout } = await cli('backup');
  assert.match(stdout, /backed up to .*parley-.*\.sqlite/);
  const [name] = readdirSync(backupFolder(server.config));
  await assert.rejects(cli('restore', join(backupFolder(server.config), name!)), /a Parley server is running/);
});
