import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** The real server in a child process, so a test can kill -9 it mid-write and start it again on the same data. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
}

/** Writes the data folder's config.yaml (database keys from test-databases.ts, and any others). */
export function writeServerConfig(dataDir: string, keys: Record<string, unknown>): void {
  writeFileSync(join(dataDir, 'config.yaml'), JSON.stringify({ logLevel: 'info', ...keys }));
}

/** Starts `parley serve` on an ephemeral loopback port over `dataDir`; resolves once it listens. */
export async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/server/main.ts'), 'serve', '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start: ${out}`));
    }, START_TIMEOUT_MS);
    const read = (d: Buffer) => {
      out += d;
      const address = /"address":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      if (address) {
        clearTimeout(timer);
        child.stdout!.off('data', read);
        child.stderr!.off('data', read);
        resolve(address);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it listened: ${out}`));
    });
  });
  // Keep reading so a full pipe never blocks the server.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
