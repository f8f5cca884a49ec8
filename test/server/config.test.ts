import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { tempDir } from '../support/test-server.js';

const DEFAULT_YAML = readFileSync(new URL('../../config.default.yaml', import.meta.url), 'utf8');

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = tempDir('parley-config-');
  dirs.push(dir);
  return dir;
}

/** A data folder whose config.yaml holds `yaml`. */
function withConfig(yaml: string): string {
  const dir = dataDir();
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return dir;
}

function configError(data: string): ConfigError {
  try {
    loadConfig({ data });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('the config was accepted');
}

describe('config.yaml', () => {
  test('the first start writes config.yaml from config.default.yaml, comments included, and uses its defaults', () => {
    const data = join(dataDir(), 'fresh', 'data');
    const config = loadConfig({ data });
    const written = readFileSync(join(data, 'config.yaml'), 'utf8');
    assert.equal(written, DEFAULT_YAML);
    assert.match(written, /^# +-1 += never expires/m, 'the comments explain the keys');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8000);
    assert.equal(config.sessionTimeout, 34_560_000);
    assert.equal(config.enableUserAccounts, false);
    assert.equal(config.whitelistMode, true);
    assert.deepEqual(config.whitelist, ['127.0.0.1', '::1']);
    assert.deepEqual(config.trustProxy, [], 'no proxy is trusted until the operator names one');
    assert.deepEqual(config.backendAllowlist, [], 'any backend address until the operator lists some');
    assert.deepEqual(config.hostWhitelist, { enabled: true, hosts: [] });
    assert.equal(config.basicAuthMode, false);
    assert.equal(config.securityOverride, false);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.dataRoot, data);
    assert.deepEqual(config.database, { kind: 'sqlite', file: join(data, 'parley.sqlite') });
    assert.equal(config.configFile, join(data, 'config.yaml'));
  });

  test("a second start keeps the operator's edits", () => {
    const data = dataDir();
    loadConfig({ data });
    const file = join(data, 'config.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('port: 8000', 'port: 8123'));
    assert.equal(loadConfig({ data }).port, 8123);
    assert.match(readFileSync(file, 'utf8'), /port: 8123/);
  });

  test('an empty config.yaml means every default', () => {
    const config = loadConfig({ data: withConfig('') });
    assert.equal(config.port, 8000);
    assert.equal(config.sessionTimeout, 34_560_000);
  });

  test('a partial nested section keeps the defaults of its other keys', () => {
    const config = loadConfig({ data: withConfig('limits:\n  loginAttemptsPerMinute: 3\n') });
    assert.deepEqual(config.limits, { jsonBodyMb: 16, cardUploadMb: 32, chatImportMb: 512, loginAttemptsPerMinute: 3 });
  });

  test('backendAllowlist takes host names, addresses and ranges, each with an optional port', () => {
    const entries = ['api.openai.com', 'openrouter.ai:443', '192.168.1.0/24', '10.0.0.5:8080', '::1', '[::1]:8080', 'fd00::/8'];
    const yaml = `backendAllowlist:\n${entries.map((e) => `  - '${e}'\n`).join('')}`;
    assert.deepEqual(loadConfig({ data: withConfig(yaml) }).backendAllowlist, entries);
  });

  test('sessionTimeout accepts -1 (never) and 0 (browser session)', () => {
    assert.equal(loadConfig({ data: withConfig('sessionTimeout: -1\n') }).sessionTimeout, -1);
    assert.equal(loadConfig({ data: withConfig('sessionTimeout: 0\n') }).sessionTimeout, 0);
  });

  test('database.url switches to PostgreSQL', () => {
    const config = loadConfig({ data: withConfig('database:\n  url: postgres://parley@db.lan:5432/parley\n') });
    assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://parley@db.lan:5432/parley' });
    // A node on the database's machine may use its Unix socket: the directory as `host`, no host in the URL.
    const socket = loadConfig({ data: withConfig('database:\n  url: postgresql:///parley?host=/var/run/postgresql\n') });
    assert.deepEqual(socket.database, { kind: 'postgres', url: 'postgresql:///parley?host=/var/run/postgresql' });
  });

  test('relative paths are taken from the config file folder; --data wins over dataRoot', () => {
    const dir = dataDir();
    const etc = join(dir, 'etc');
    mkdirSync(etc);
    const file = join(etc, 'parley.yaml');
    writeFileSync(file, 'dataRoot: ../var\ndatabase:\n  file: db/main.sqlite\n');
    const fromFile = loadConfig({ config: file });
    assert.equal(fromFile.dataRoot, join(dir, 'var'));
    assert.deepEqual(fromFile.database, { kind: 'sqlite', file: join(dir, 'var', 'db', 'main.sqlite') });
    const fromFlag = loadConfig({ config: file, data: join(dir, 'elsewhere') });
    assert.equal(fromFlag.dataRoot, join(dir, 'elsewhere'));
  });

  test('command-line flags win over the file', () => {
    const data = withConfig('host: 127.0.0.1\nport: 8000\n');
    const config = loadConfig({ data, port: 9123, host: '0.0.0.0' });
    assert.equal(config.port, 9123);
    assert.equal(config.host, '0.0.0.0');
  });
});

describe('config.yaml: a bad value is a ConfigError naming the key', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['port "abc"', 'port: abc\n', /^\s*port: .*number/m],
    ['port 70000', 'port: 70000\n', /^\s*port: .*65535/m],
    ['port 80.5', 'port: 80.5\n', /^\s*port: /m],
    ['sessionTimeout -5', 'sessionTimeout: -5\n', /^\s*sessionTimeout: .*-1/m],
    ['sessionTimeout "forever"', 'sessionTimeout: forever\n', /^\s*sessionTimeout: /m],
    ['a whitelist entry that is no IP', 'whitelist:\n  - 127.0.0.1\n  - not-an-ip\n', /^\s*whitelist\.1: .*IP address or CIDR/m],
    ['a CIDR prefix out of range', 'whitelist:\n  - 10.0.0.0/33\n', /^\s*whitelist\.0: /m],
    ['whitelist given as a string', 'whitelist: 127.0.0.1\n', /^\s*whitelist: .*array/m],
    ['a trustProxy entry that is no IP', 'trustProxy:\n  - 127.0.0.1\n  - nginx.lan\n', /^\s*trustProxy\.1: .*IP address or CIDR/m],
    ['trustProxy given as true', 'trustProxy: true\n', /^\s*trustProxy: .*array/m],
    ['a backendAllowlist entry that is a URL', 'backendAllowlist:\n  - api.openai.com\n  - https://openrouter.ai\n', /^\s*backendAllowlist\.1: .*host name, IP address or CIDR range/m],
    ['a backendAllowlist port out of range', 'backendAllowlist:\n  - 127.0.0.1:70000\n', /^\s*backendAllowlist\.0: /m],
    ['a backendAllowlist IPv6 address with a port, without brackets', "backendAllowlist:\n  - '[::1:8080'\n", /^\s*backendAllowlist\.0: .*\[::1\]:8080/m],
    ['backendAllowlist given as a string', 'backendAllowlist: api.openai.com\n', /^\s*backendAllowlist: .*array/m],
    ['an unknown key', 'colour: red\n', /^\s*colour: unknown key/m],
    ['an unknown nested key', 'database:\n  filename: x.sqlite\n', /^\s*database\.filename: unknown key/m],
    ['database.url of another database', 'database:\n  url: mysql://root@127.0.0.1/parley\n', /^\s*database\.url: .*postgres/m],
    ['enableUserAccounts "yes"', 'enableUserAccounts: "yes"\n', /^\s*enableUserAccounts: .*boolean/m],
    ['an unknown logLevel', 'logLevel: loud\n', /^\s*logLevel: /m],
    ['limits.loginAttemptsPerMinute 0', 'limits:\n  loginAttemptsPerMinute: 0\n', /^\s*limits\.loginAttemptsPerMinute: /m],
    ['basicAuthUser without a password', 'basicAuthUser:\n  username: me\n', /^\s*basicAuthUser\.password: /m],
  ];
  for (const [what, yaml, key] of cases) {
    test(what, () => {
      const data = withConfig(yaml);
      const error = configError(data);
      assert.match(error.message, key);
      assert.ok(error.message.includes(join(data, 'config.yaml')), 'the message names the file');
    });
  }

  test('YAML that does not parse is a ConfigError naming the file and the line', () => {
    const data = withConfig('port: 8000\nwhitelist: [127.0.0.1\nhost: x\n');
    const error = configError(data);
    assert.match(error.message, /is not valid YAML/);
    assert.match(error.message, /line \d+/);
  });

  test('several bad keys are all named at once', () => {
    const error = configError(withConfig('port: abc\nsessionTimeout: -5\n'));
    assert.match(error.message, /port:/);
    assert.match(error.message, /sessionTimeout:/);
  });
});
