import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { verifyPassword } from '../../src/server/security/passwords.js';
import { openStore } from '../../src/server/store/store.js';
import { tempDir } from '../support/test-server.js';

/** The real command line, run from source so the test needs no build. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = ['--import', 'tsx', join(ROOT, 'src/server/main.ts')];
const CLI_TIMEOUT_MS = 30_000;

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(config?: string): string {
  const dir = tempDir('parley-cli-');
  dirs.push(dir);
  if (config !== undefined) writeFileSync(join(dir, 'config.yaml'), config);
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnParley(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [...MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** Runs `parley <args>` to its end (killed after CLI_TIMEOUT_MS). */
function parley(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnParley(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `parley serve`: its JSON log lines as they come, and its exit. */
class Served {
  readonly lines: Array<Record<string, any>> = [];
  readonly exited: Promise<number | null>;
  stderr = '';
  readonly #child: ChildProcess;

  constructor(args: string[]) {
    this.#child = spawnParley(['serve', ...args]);
    let pending = '';
    this.#child.stdout!.on('data', (d: Buffer) => {
      pending += d;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) if (line.trim()) this.lines.push(JSON.parse(line));
    });
    this.#child.stderr!.on('data', (d: Buffer) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.#child.on('close', (code) => resolve(code)));
  }

  signal(name: NodeJS.Signals) {
    this.#child.kill(name);
  }

  /** Waits (bounded) for a log line whose msg matches. */
  async waitFor(msg: RegExp, timeoutMs = CLI_TIMEOUT_MS): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = this.lines.find((l) => msg.test(String(l.msg)));
      if (line) return line;
      if (this.#child.exitCode !== null) break;
      await sleep(20);
    }
    throw new Error(`no log line matching ${msg}; stderr: ${this.stderr}; lines: ${JSON.stringify(this.lines)}`);
  }
}

describe('parley users', () => {
  test('add, list and passwd manage accounts in the data folder', async () => {
    const data = dataDir();
    const added = await parley('users', 'add', 'alice', '--password', 'alice password', '--admin', '--data', data);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /created alice \(admin\)/);
    const bob = await parley('users', 'add', 'bob', '--password', 'bob password', '--name', 'Bob B', '--data', data);
    assert.equal(bob.code, 0, bob.stderr);

    const list = await parley('users', 'list', '--data', data);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split('\n'), ['alice\talice\tadmin', 'bob\tBob B']);

    const passwd = await parley('users', 'passwd', 'bob', '--password', 'a brand new one', '--data', data);
    assert.equal(passwd.code, 0, passwd.stderr);
    assert.match(passwd.stdout, /password of bob changed/);

    const store = await openStore({ kind: 'sqlite', file: join(data, 'parley.sqlite') });
    try {
      const user = await store.users.byHandle('bob');
      assert.match(user?.passwordHash ?? '', /^\$argon2id\$/);
      assert.equal(await verifyPassword(user!.passwordHash, 'a brand new one'), true);
      assert.equal(await verifyPassword(user!.passwordHash, 'bob password'), false);
    } finally {
      await store.close();
    }
  });

  test('bad input is refused with a message, a non-zero exit, and nothing stored', async () => {
    const data = dataDir();
    assert.equal((await parley('users', 'add', 'alice', '--password', 'alice password', '--data', data)).code, 0);
    const attempts: Array<[string[], RegExp]> = [
      [['users', 'add', 'alice', '--password', 'another password'], /already exists/],
      [['users', 'add', '../x', '--password', 'long enough'], /handle/],
      [['users', 'add', 'carol', '--password', 'short'], /password/],
      [['users', 'passwd', 'nobody', '--password', 'long enough'], /No user with handle "nobody"/],
      [['users', 'passwd', 'alice', '--password', 'short'], /at least 8/],
    ];
    for (const [args, message] of attempts) {
      const run = await parley(...args, '--data', data);
      assert.notEqual(run.code, 0, args.join(' '));
      assert.match(run.stderr, message, args.join(' '));
    }
    const list = await parley('users', 'list', '--data', data);
    assert.deepEqual(list.stdout.trim().split('\n'), ['alice\talice']);
  });
});

describe('parley serve', () => {
  test('--host 0.0.0.0 with no protection exits non-zero with the remedy, before listening', async () => {
    const data = dataDir('whitelistMode: false\n');
    const run = await parley('serve', '--host', '0.0.0.0', '--port', '0', '--data', data);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /Refusing to listen on 0\.0\.0\.0 with no protection/);
    assert.match(run.stderr, /enableUserAccounts, whitelistMode or basicAuthMode/);
    assert.doesNotMatch(run.stdout, /listening/);
  });

  test('a bad config value exits non-zero with a message naming the key', async () => {
    const data = dataDir('port: 8000\nsessionTimeout: -5\n');
    const run = await parley('serve', '--data', data);
    assert.equal(run.code, 78, 'EX_CONFIG');
    assert.match(run.stderr, /sessionTimeout: .*-1/);
    assert.match(run.stderr, new RegExp(join(data, 'config.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  test('a bad --port flag is refused by the command line', async () => {
    const run = await parley('serve', '--port', 'abc', '--data', dataDir());
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /port/);
  });

  test('SIGTERM finishes the in-flight request, closes the store and exits 0', async () => {
    const data = dataDir('enableUserAccounts: true\n');
    assert.equal((await parley('users', 'add', 'alice', '--password', 'alice password', '--data', data)).code, 0);
    const server = new Served(['--port', '0', '--data', data]);
    const listening = await server.waitFor(/^Parley is listening/);
    const url = listening.address as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

    // A login whose body is still on its way when the signal arrives: it must complete and its session be stored.
    const body = JSON.stringify({ handle: 'alice', password: 'alice password' });
    const reply = new Promise<{ status: number; cookie: string[] }>((resolve, reject) => {
      const req = httpRequest(
        `${url}/api/auth/login`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie'] ?? [] }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      void (async () => {
        await sleep(300); // the server has the headers; the request is in flight
        server.signal('SIGTERM');
        await server.waitFor(/shutting down/);
        req.end(body.slice(10));
      })();
    });

    const { status, cookie } = await reply;
    const answeredAt = Date.now();
    assert.equal(status, 200);
    assert.match(cookie[0] ?? '', /^parley_session=/);
    assert.equal(await server.exited, 0);
    // The client's kept-alive connection must not hold the shutdown open (Node's agent keeps it 5 s).
    assert.ok(Date.now() - answeredAt < 2000, `stopped ${Date.now() - answeredAt} ms after the last response`);
    const messages = server.lines.map((l) => String(l.msg));
    const down = messages.findIndex((m) => /shutting down/.test(m));
    const stopped = messages.findIndex((m) => m === 'stopped');
    assert.ok(down >= 0 && stopped > down, `"shutting down" then "stopped": ${JSON.stringify(messages)}`);

    const store = await openStore({ kind: 'sqlite', file: join(data, 'parley.sqlite') });
    try {
      const sessions = await store.db.selectFrom('sessions').selectAll().execute();
      assert.equal(sessions.length, 1, 'the in-flight login was written before the store closed');
    } finally {
      await store.close();
    }
  });

  test('SIGINT stops an idle server with exit 0', async () => {
    const server = new Served(['--port', '0', '--data', dataDir()]);
    const listening = await server.waitFor(/^Parley is listening/);
    const health = await fetch(`${listening.address}/healthz`);
    assert.deepEqual(await health.json(), { ok: true });
    server.signal('SIGINT');
    assert.equal(await server.exited, 0);
    assert.ok(server.lines.some((l) => l.msg === 'stopped'));
  });
});
