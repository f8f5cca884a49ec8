import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { postUpstream } from '../../../src/server/generation/upstream-request.js';

// A backend that drops some requests unanswered, by the request's place on its connection: as one that closes an
// idle kept-alive connection at the moment Parley reuses it (the first request on a connection is answered).
let server: Server;
let url: URL;
let dropWhen: (requestOnConnection: number) => boolean;
const seen: Array<{ port: number; requestOnConnection: number; body: string }> = [];
before(async () => {
  const counts = new WeakMap<Socket, number>();
  server = createServer((request, response) => {
    const n = (counts.get(request.socket) ?? 0) + 1;
    counts.set(request.socket, n);
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      seen.push({ port: request.socket.remotePort!, requestOnConnection: n, body });
      if (dropWhen(n)) return void request.socket.destroy();
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`answer ${seen.length}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`);
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  seen.length = 0;
  dropWhen = () => false;
});

async function post(body: string): Promise<string> {
  const response = await postUpstream(url, { 'content-type': 'application/json' }, body, new AbortController().signal);
  const chunks = response.chunks();
  let text = '';
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) text += next.value;
  response.close(true);
  return text;
}

test('a kept-alive connection the backend closed as it was reused: the request is sent again on a new one', async () => {
  await post('{"n":1}');
  await new Promise((resolve) => setTimeout(resolve, 50));
  dropWhen = (n) => n >= 2;
  assert.equal(await post('{"n":2}'), 'answer 3');
  assert.deepEqual(
    seen.map(({ requestOnConnection, body }) => [requestOnConnection, body]),
    [[1, '{"n":1}'], [2, '{"n":2}'], [1, '{"n":2}']],
  );
  assert.notEqual(seen[2]!.port, seen[1]!.port, 'the second try went over a connection of its own');
});

test('a new connection that fails is not tried again', async () => {
  server.closeAllConnections();
  dropWhen = () => true;
  await assert.rejects(post('{"n":1}'), (error: NodeJS.ErrnoException) => error.code === 'ECONNRESET');
  assert.equal(seen.length, 1);
});
