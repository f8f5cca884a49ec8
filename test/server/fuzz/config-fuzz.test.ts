import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { ConfigError, loadConfig, parseConfig } from '../../../src/server/config.js';
import { fuzzParameters, hostileJson, hostileText, mutateAt } from '../../support/fuzz.js';
import { tempDir } from '../../support/test-server.js';

/**
 * Issue 8 item 10: config loading. Any config.yaml either gives a configuration or stops the start with a
 * ConfigError naming what is wrong, never another exception.
 */

const VALID = {
  host: '127.0.0.1',
  port: 8000,
  database: { file: 'parley.sqlite' },
  sessionTimeout: 3600,
  enableUserAccounts: false,
  whitelist: ['127.0.0.1', '::1', '10.0.0.0/8'],
  trustProxy: ['192.168.0.1'],
  backendAllowlist: ['localhost:8080', '[::1]:5000', '10.1.0.0/16'],
  hostWhitelist: { enabled: true, hosts: ['example.com'] },
  basicAuthUser: { username: 'u', password: 'p' },
  limits: { jsonBodyMb: 16, cardUploadMb: 32, chatImportMb: 512, loginAttemptsPerMinute: 10 },
  backups: { enabled: true, intervalHours: 24, keep: 7 },
  localModels: { dir: 'models', threads: 0 },
  logLevel: 'info',
};

const dir = tempDir('parley-config-fuzz-');
after(() => rmSync(dir, { recursive: true, force: true }));

const onlyConfigErrors = (load: () => unknown) => {
  try {
    load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
};

test('fuzz: any parsed config object gives a configuration or a ConfigError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.tuple(fc.nat(), hostileJson).map(([pick, value]) => mutateAt(VALID, pick, value)), hostileJson), (raw) => {
      onlyConfigErrors(() => parseConfig(raw, join(dir, 'config.yaml')));
    }),
    fuzzParameters(0.4),
  );
});

test('fuzz: any config.yaml text gives a configuration or a ConfigError', () => {
  const file = join(dir, 'config.yaml');
  const yamlText = fc.oneof(
    hostileText,
    fc.tuple(fc.nat(), hostileJson).map(([pick, value]) => JSON.stringify(mutateAt(VALID, pick, value)) ?? ''),
    fc.tuple(fc.constantFrom('port', 'host', 'limits', 'whitelist', 'database'), hostileText).map(([key, value]) => `${key}: ${value}\n`),
    fc.constantFrom('port: [', 'a: &x\n  b: *x', '? |\n  x', '!!binary ""', 'port: 0x1F', '%YAML 9.9\n---\nport: 1', '\t- x'),
  );
  fc.assert(
    fc.property(yamlText, (text) => {
      writeFileSync(file, text);
      onlyConfigErrors(() => loadConfig({ config: file, data: dir }));
    }),
    fuzzParameters(0.02),
  );
});
