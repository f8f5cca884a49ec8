import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serversForThisFile } from '../../support/test-server.js';

/** Item 8 of issue 8: the app page and every API answer carry the security headers. */

const BUILT = existsSync(fileURLToPath(new URL('../../../dist/web/index.html', import.meta.url)));
const serve = serversForThisFile({ logLevel: 'warn' });

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

test('the app page: CSP without inline script, no framing, images from self, data: and blob: only; nosniff; no referrer', { skip: !BUILT && 'web client not built (npm run build)' }, async () => {
  const server = await serve();
  for (const path of ['/', '/chats/some-chat', '/index.html']) {
    const response = await fetch(server.url + path);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const csp = directives(response.headers.get('content-security-policy') ?? '');
    assert.deepEqual(csp.get('script-src'), ["'self'"], path);
    assert.deepEqual(csp.get('default-src'), ["'self'"]);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(csp.get('img-src'), ["'self'", 'data:', 'blob:']);
    assert.deepEqual(csp.get('object-src'), ["'none'"]);
    assert.equal(csp.has('upgrade-insecure-requests'), false, 'Parley is often served over plain HTTP on a LAN');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('strict-transport-security'), null);
    // The page has no inline script for the policy to have to allow.
    assert.doesNotMatch(await response.text(), /<script(?![^>]*\bsrc=)[^>]*>/);
  }
});

test('the API answers carry them too, and allowRemoteImages opens img-src to other sites only', async () => {
  const strict = await serve();
  const api = await fetch(`${strict.url}/api/session`);
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
  assert.equal((await api.json()).remoteImages, false);
  const open = await serve({ allowRemoteImages: true });
  const session = await fetch(`${open.url}/api/session`);
  assert.equal((await session.json()).remoteImages, true);
  const csp = directives(session.headers.get('content-security-policy') ?? '');
  assert.deepEqual(csp.get('img-src'), ["'self'", 'data:', 'blob:', 'https:', 'http:']);
  assert.deepEqual(csp.get('script-src'), ["'self'"]);
});

test('refusals, unknown paths and bad bodies carry them too, and the same headers on every request', async () => {
  const server = await serve();
  const answers = [
    await fetch(`${server.url}/api/chats`), // no session: 401
    await fetch(`${server.url}/api/no-such-route`),
    await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
    await fetch(`${server.url}/healthz`),
    await fetch(`${server.url}/healthz`),
  ];
  assert.deepEqual(answers.map((a) => a.status).slice(0, 2), [401, 404]);
  assert.ok(answers[2]!.status >= 400 && answers[2]!.status < 500, `bad body: ${answers[2]!.status}`);
  const first = answers[0]!.headers.get('content-security-policy');
  assert.match(first ?? '', /frame-ancestors 'none'/);
  for (const answer of answers) {
    assert.equal(answer.headers.get('content-security-policy'), first, answer.url);
    assert.equal(answer.headers.get('x-frame-options'), 'DENY', answer.url);
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', answer.url);
    assert.equal(answer.headers.get('referrer-policy'), 'no-referrer', answer.url);
    assert.equal(answer.headers.get('x-powered-by'), null, answer.url);
  }
});
