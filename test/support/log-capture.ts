import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** Collects the server's pino lines so tests can assert what an operator would read. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const text of chunk.toString('utf8').split('\n')) {
      if (text.trim()) this.lines.push(JSON.parse(text) as LogLine);
    }
    done();
  }

  refusals(reason?: string): LogLine[] {
    return this.lines.filter((l) => typeof l.reason === 'string' && (reason === undefined || l.reason === reason));
  }
}
