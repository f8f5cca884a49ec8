import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PACKAGE_ROOT } from './package-root.js';
import type { DatabaseLocation } from './store/store.js';
import { parseBackendEntry } from './addresses/backend-entry.js';
import { parseCidr } from './addresses/ip-match.js';

const DEFAULT_CONFIG_FILE = join(PACKAGE_ROOT, 'config.default.yaml');

const Port = z.number().int().min(0).max(65535);

/** IP addresses and CIDR ranges, as `whitelist` and `trustProxy` take them. */
const IpRanges = z.array(z.string().trim().refine((v) => parseCidr(v) !== null, 'must be an IP address or CIDR range'));

export const ConfigFileSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: Port.default(8000),
    dataRoot: z.string().min(1).default('.'),
    database: z
      .object({
        file: z.string().min(1).default('parley.sqlite'),
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
          .optional(),
      })
      .strict()
      .default({ file: 'parley.sqlite' }),
    sessionTimeout: z
      .number()
      .int()
      .refine((v) => v >= -1, 'must be a number of seconds, 0 (browser session) or -1 (never expires)')
      .default(34_560_000),
    enableUserAccounts: z.boolean().default(false),
    whitelistMode: z.boolean().default(true),
    whitelist: IpRanges.default(['127.0.0.1', '::1']),
    trustProxy: IpRanges.default([]),
    allowRemoteImages: z.boolean().default(false),
    backendAllowlist: z
      .array(
        z
          .string()
          .trim()
          .refine(
            (v) => parseBackendEntry(v) !== null,
            'must be a host name, IP address or CIDR range, optionally with :port (IPv6 with a port in brackets: [::1]:8080)',
          ),
      )
      .default([]),
    hostWhitelist: z
      .object({ enabled: z.boolean().default(true), hosts: z.array(z.string().min(1)).default([]) })
      .strict()
      .default({ enabled: true, hosts: [] }),
    basicAuthMode: z.boolean().default(false),
    basicAuthUser: z
      .object({ username: z.string().min(1), password: z.string().min(1) })
      .strict()
      .default({ username: 'user', password: 'password' }),
    securityOverride: z.boolean().default(false),
    limits: z
      .object({
        jsonBodyMb: z.number().positive().max(1024).default(16),
        cardUploadMb: z.number().positive().max(1024).default(32),
        chatImportMb: z.number().positive().max(8192).default(512),
        loginAttemptsPerMinute: z.number().int().min(1).default(10),
      })
      .strict()
      .default({ jsonBodyMb: 16, cardUploadMb: 32, chatImportMb: 512, loginAttemptsPerMinute: 10 }),
    backups: z
      .object({
        enabled: z.boolean().default(true),
        // Timers cannot wait longer than 24.8 days.
        intervalHours: z.number().positive().max(576, 'at most 576 (24 days)').default(24),
        keep: z.number().int().min(1).default(7),
      })
      .strict()
      .default({ enabled: true, intervalHours: 24, keep: 7 }),
    // Days a deleted message, chat, character or book waits in the trash before the sweep purges it.
    trashDays: z.number().int().min(1).max(3650).default(30),
    localModels: z
      .object({ dir: z.string().min(1).default('models'), threads: z.number().int().min(0).max(256).default(0) })
      .strict()
      .default({ dir: 'models', threads: 0 }),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .strict();

export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The validated configuration with every path made absolute. */
export interface Config extends Omit<ConfigFile, 'database'> {
  configFile: string | null;
  dataRoot: string;
  database: DatabaseLocation;
  /** `dir` made absolute (against dataRoot). */
  localModels: { dir: string; threads: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigOverrides {
  config?: string;
  data?: string;
  port?: number;
  host?: string;
}

/** Reads (and on first start writes) config.yaml; command-line overrides win over the file. */
export function loadConfig(overrides: ConfigOverrides = {}): Config {
  const dataDir = resolve(overrides.data ?? 'data');
  const configFile = resolve(overrides.config ?? join(dataDir, 'config.yaml'));
  if (!existsSync(configFile)) {
    mkdirSync(dirname(configFile), { recursive: true });
    // Copied as text so the operator gets the comments that explain each key.
    writeFileSync(configFile, readFileSync(DEFAULT_CONFIG_FILE, 'utf8'), { flag: 'wx' });
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(configFile, 'utf8')) ?? {};
  } catch (error) {
    throw new ConfigError(`${configFile} is not valid YAML: ${(error as Error).message}`);
  }
  const config = parseConfig(raw, configFile, overrides.data !== undefined ? dataDir : undefined);
  if (overrides.port !== undefined) config.port = Port.parse(overrides.port);
  if (overrides.host !== undefined) config.host = overrides.host;
  return config;
}

/** Validates a parsed config object; paths are resolved against the config file's folder (or the cwd). */
export function parseConfig(raw: unknown, configFile: string | null = null, dataRootOverride?: string): Config {
  const result = ConfigFileSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.flatMap((issue) => {
      // A misspelt key is named itself, not the section around it, so the operator finds the line.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => `  ${[...issue.path, k].join('.')}: unknown key (config.default.yaml lists every key)`);
      }
      const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return [`  ${key}: ${issue.message}`];
    });
    throw new ConfigError(`Invalid configuration${configFile ? ` in ${configFile}` : ''}:\n${lines.join('\n')}`);
  }
  const file = result.data;
  const base = configFile ? dirname(configFile) : process.cwd();
  const dataRoot = dataRootOverride ?? resolveIn(base, file.dataRoot);
  return {
    ...file,
    configFile,
    dataRoot,
    database: file.database.url
      ? { kind: 'postgres', url: file.database.url }
      : { kind: 'sqlite', file: resolveIn(dataRoot, file.database.file) },
    localModels: { ...file.localModels, dir: resolveIn(dataRoot, file.localModels.dir) },
  };
}

function resolveIn(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
