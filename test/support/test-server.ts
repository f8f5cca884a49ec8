import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import type { Clock } from '../../src/server/clock.js';
import { parseConfig, type Config } from '../../src/server/config.js';
import { openStore, type Store } from '../../src/server/store/store.js';
import { LogCapture } from './log-capture.js';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  config: Config;
  logs: LogCapture;
  dataDir: string;
  /** Stops the server and closes the store; the data folder stays for a restart. */
  stop(): Promise<void>;
  /** stop() and delete the data folder. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** config.yaml keys, as an operator would write them. */
  config?: Record<string, unknown>;
  /** Reuse a data folder (to test a restart). */
  dataDir?: string;
  clock?: Clock;
}

export function tempDir(prefix = 'parley-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts the real server on an ephemeral loopback port against a real SQLite file. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const config = parseConfig({ port: 0, logLevel: 'info', ...options.config }, join(dataDir, 'config.yaml'));
  const store = await openStore(config.database);
  const logs = new LogCapture();
  const app = await buildApp({ config, store, logStream: logs, ...(options.clock && { clock: options.clock }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
    await store.close();
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    store,
    config,
    logs,
    dataDir,
    stop,
    async close() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: starts servers on demand, each with `defaultConfig` overlaid key by key by its own config,
 * and closes every one of them after the file's tests. Call it at the top level of the file; its `after` hook
 * runs in the order it was registered among the file's other hooks.
 */
export function serversForThisFile(
  defaultConfig: Record<string, unknown> = {},
): (config?: Record<string, unknown>, options?: Omit<TestServerOptions, 'config'>) => Promise<TestServer> {
  const servers: TestServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });
  return async (config = {}, options = {}) => {
    const server = await startTestServer({ ...options, config: { ...defaultConfig, ...config } });
    servers.push(server);
    return server;
  };
}
