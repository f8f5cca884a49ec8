/**
 * A lean HTTP client for the save-path benchmarks: node:http over kept-alive loopback connections, so a round trip
 * measures the server and not the client (undici's `fetch` in the benchmark's own process added ~0.6 ms to each).
 */
import { Agent, request } from 'node:http';

export interface Answer {
  status: number;
  text: string;
}

export interface KeepAliveClient {
  send(method: string, url: string, body?: string): Promise<Answer>;
  close(): void;
}

/** `headers` go with every request (a session's cookie and CSRF token); `sockets`: connections kept at most. */
export function keepAliveClient(headers: Record<string, string>, sockets = 1): KeepAliveClient {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    send: (method, url, body) =>
      new Promise((resolve, reject) => {
        const req = request(url, { method, headers, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
