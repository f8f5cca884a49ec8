import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { parseBackendEntry } from '../../../src/server/addresses/backend-entry.js';
import { BackendAllowlist } from '../../../src/server/security/backend-allowlist.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, tokensOf, untilEnd } from '../../support/sse-reader.js';
import { serversForThisFile } from '../../support/test-server.js';

let fake: FakeLlmServer;

before(async () => {
  fake = await FakeLlmServer.start();
});
// Registered before the fake's `after`, so the servers close before the fake does.
const startServer = serversForThisFile({ logLevel: 'warn' });
after(() => fake.close());
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
});

async function serve(backendAllowlist: string[], dataDir?: string) {
  const server = await startServer({ backendAllowlist }, { dataDir });
  const client = new TestClient(server.url);
  await client.session();
  return { server, client };
}

const profile = (baseUrl: string) => ({ id: newId(), name: 'Fake', api: 'chat-completions', baseUrl, model: 'fake-model' });

/** A chat with a user message to answer. */
async function chat(client: TestClient) {
  const { chatId } = await createCharacterAndChat(client);
  await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello there, guardian.')] });
  return chatId;
}

const NOT_INCLUDED = /backendAllowlist does not include it/;

describe('BackendAllowlist matches URLs against host names, addresses and ranges', () => {
  const allows = (entries: string[], url: string) => new BackendAllowlist(entries).allows(new URL(url));

  test('an empty list allows every address', () => {
    assert.equal(allows([], 'http://169.254.169.254/latest'), true);
  });

  test('host names compare without case; a port is the URL default when it names none', () => {
    assert.equal(allows(['API.OpenAI.com'], 'https://api.openai.com/v1'), true);
    assert.equal(allows(['api.openai.com:443'], 'https://API.OPENAI.COM/v1'), true);
    assert.equal(allows(['api.openai.com:443'], 'http://api.openai.com/v1'), false, 'http defaults to 80');
    assert.equal(allows(['example.lan:80'], 'http://example.lan/v1'), true);
    assert.equal(allows(['api.openai.com'], 'https://evil.api.openai.com.example/v1'), false);
    assert.equal(allows(['api.openai.com'], 'https://api.openai.com.:8443/v1'), true, 'the root dot names the same host');
  });

  test('names are not resolved: a name never matches an address range, nor an address a name', () => {
    assert.equal(allows(['127.0.0.0/8'], 'http://localhost:8080/v1'), false);
    assert.equal(allows(['localhost'], 'http://127.0.0.1:8080/v1'), false);
  });

  test('IPv4 addresses and ranges, with the forms the URL parser rewrites', () => {
    assert.equal(allows(['192.168.1.0/24'], 'http://192.168.1.77:5001/v1'), true);
    assert.equal(allows(['192.168.1.0/24'], 'http://192.168.2.1/v1'), false);
    assert.equal(allows(['127.0.0.1:8080'], 'http://0x7f.1:8080/v1'), true, '0x7f.1 is 127.0.0.1');
    assert.equal(allows(['10.0.0.0/8:8080'], 'http://10.1.2.3:8080/v1'), true);
    assert.equal(allows(['10.0.0.0/8:8080'], 'http://10.1.2.3:6379/v1'), false);
  });

  test('IPv6 in brackets with a port, bare without one', () => {
    assert.equal(allows(['[::1]:8080'], 'http://[::1]:8080/v1'), true);
    assert.equal(allows(['[::1]:8080'], 'http://[::1]:8081/v1'), false);
    assert.equal(allows(['::1'], 'http://[::1]:1234/v1'), true);
    assert.equal(allows(['fd00::/8'], 'http://[fd12::5]/v1'), true);
    assert.equal(allows(['[fd00::/8]:443'], 'https://[fd12::5]/v1'), true);
    assert.equal(allows(['::1'], 'http://127.0.0.1/v1'), false);
  });

  test('entries that are none of these do not parse', () => {
    for (const bad of ['', 'http://api.openai.com', 'api.openai.com:', 'api.openai.com:0', 'api.openai.com:70000', '[::1', '[10.0.0.1]:80', '::1]:80', '10.0.0.0/33', 'a b', '*.openai.com', '127.1']) {
      assert.equal(parseBackendEntry(bad), null, bad);
    }
    assert.throws(() => new BackendAllowlist(['api.openai.com', 'not a host']), /not a host/);
  });
});

describe('backendAllowlist in the running server', () => {
  test('an allowed address: the profile is created, tests ok, lists models and generates', async () => {
    const { client } = await serve(['127.0.0.1']);
    const body = profile(fake.url);
    assert.equal((await client.post('/api/connections', body)).status, 201);
    const tested = await client.post(`/api/connections/${body.id}/test`);
    assert.equal(tested.body.ok, true, tested.body.message);
    assert.equal((await client.get(`/api/connections/${body.id}/models`)).status, 200);

    const chatId = await chat(client);
    const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: { connectionId: body.id } });
    const events = await untilEnd(reader);
    reader.close();
    assert.equal(events.at(-1)?.event, 'done', JSON.stringify(events.at(-1)));
    assert.equal(tokensOf(events), 'Hello, world!');
  });

  test('creating a profile at an address the list leaves out is a 400 naming the host; nothing is stored', async () => {
    const { client } = await serve(['api.openai.com']);
    const body = profile(fake.url);
    const refused = await client.post('/api/connections', body);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_request');
    assert.ok(refused.body.message.includes(new URL(fake.url).host), refused.body.message);
    assert.match(refused.body.message, NOT_INCLUDED);
    assert.deepEqual((await client.get('/api/connections')).body, []);
    assert.equal((await client.get(`/api/connections/${body.id}`)).status, 404);
    assert.equal(fake.requests.length, 0);
  });

  test('patching an allowed profile to a left-out address is a 400; the stored profile is unchanged', async () => {
    const { client } = await serve([`127.0.0.1:${new URL(fake.url).port}`]);
    const body = profile(fake.url);
    assert.equal((await client.post('/api/connections', body)).status, 201);
    const before = (await client.get(`/api/connections/${body.id}`)).body;
    const refused = await client.patch(`/api/connections/${body.id}`, { baseUrl: 'http://169.254.169.254/latest', name: 'Metadata' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_request');
    assert.match(refused.body.message, /^169\.254\.169\.254 /);
    assert.match(refused.body.message, NOT_INCLUDED);
    assert.deepEqual((await client.get(`/api/connections/${body.id}`)).body, before);
    // Other changes to an allowed profile go through.
    assert.equal((await client.patch(`/api/connections/${body.id}`, { name: 'Renamed' })).status, 200);
  });

  test('a profile stored before the list was set is refused at test, models and generate, and never contacted', async () => {
    const { server: first, client: firstClient } = await serve([]);
    const body = profile(fake.url);
    assert.equal((await firstClient.post('/api/connections', body)).status, 201);
    const chatId = await chat(firstClient);
    await first.stop();

    const { client } = await serve(['api.openai.com'], first.dataDir);
    const tested = await client.post(`/api/connections/${body.id}/test`);
    assert.equal(tested.status, 200);
    assert.equal(tested.body.ok, false);
    assert.equal(tested.body.failure, 'not_allowed');
    assert.match(tested.body.message, NOT_INCLUDED);

    const models = await client.get(`/api/connections/${body.id}/models`);
    assert.equal(models.status, 400);
    assert.match(models.body.message, NOT_INCLUDED);

    const generate = await client.post(`/api/chats/${chatId}/generate`, { connectionId: body.id });
    assert.equal(generate.status, 400, 'refused as JSON before any stream');
    assert.equal(generate.body.error, 'invalid_request');
    assert.match(generate.body.message, NOT_INCLUDED);
    // The active connection (none named) is checked the same way.
    assert.equal((await client.post(`/api/chats/${chatId}/generate`, {})).status, 400);

    assert.equal(fake.requests.length, 0, 'the backend received nothing');
    const page = (await client.get(`/api/chats/${chatId}/messages`)).body;
    assert.equal(page.messages.at(-1).content, 'Hello there, guardian.', 'no reply was placed');
  });

  test('an entry with a port admits only that port; a CIDR range admits the addresses in it', async () => {
    const wrongPort = await serve(['127.0.0.1:1']);
    assert.equal((await wrongPort.client.post('/api/connections', profile(fake.url))).status, 400);
    const range = await serve(['127.0.0.0/8']);
    assert.equal((await range.client.post('/api/connections', profile(fake.url))).status, 201);
  });

  test('a host name entry is matched without case', async () => {
    const { client } = await serve(['LocalHost']);
    const body = profile(fake.url.replace('127.0.0.1', 'localhost'));
    assert.equal((await client.post('/api/connections', body)).status, 201);
    assert.equal((await client.post('/api/connections', profile(fake.url))).status, 400, 'the name is not resolved to 127.0.0.1');
  });

  test('profiles run inside Parley have no address and are not affected', async () => {
    const { client } = await serve(['api.openai.com']);
    const local = { id: newId(), name: 'Model file', api: 'local', model: 'tiny.gguf' };
    assert.equal((await client.post('/api/connections', local)).status, 201);
    const models = await client.get(`/api/connections/${local.id}/models`);
    assert.equal(models.status, 200, JSON.stringify(models.body));
  });
});
