/**
 * The fake LLM backend in a process of its own, as a real backend is: in the benchmark's process, its timers and
 * sockets would wait on Parley's synchronous SQLite writes and charge that wait to the backend.
 * Run as a script, it starts the backend with the script given as JSON in argv[2] and prints its base URL.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeLlmServer, type FakeLlmScript } from '../test/support/fake-llm-server.js';

export interface FakeLlmProcess {
  /** Base URL ending in /v1. */
  url: string;
  close(): Promise<void>;
}

export async function spawnFakeLlm(script: FakeLlmScript): Promise<FakeLlmProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(script)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the fake LLM process did not start within 20 s')), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.on('error', reject);
  });
  return {
    url,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = await FakeLlmServer.start(JSON.parse(process.argv[2] ?? '{}') as FakeLlmScript);
  process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
  console.log(fake.url);
}
