import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { ChangeNotice } from '../../shared/api/events.js';
import { LocalChangeFeed, type ChangeFeed, type ChangeListener } from './change-feed.js';

const CHANNEL = 'parley_changes';

/**
 * Change notices across nodes: every publish goes out by NOTIFY and comes back to every node (this one
 * included) by LISTEN, which then delivers to its own subscribers.
 */
export class PostgresChangeFeed implements ChangeFeed {
  readonly #local = new LocalChangeFeed();
  readonly #client: pg.Client;
  readonly #log: FastifyBaseLogger;

  private constructor(client: pg.Client, log: FastifyBaseLogger) {
    this.#client = client;
    this.#log = log;
  }

  static async connect(url: string, log: FastifyBaseLogger): Promise<PostgresChangeFeed> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const feed = new PostgresChangeFeed(client, log);
    client.on('notification', (message) => feed.#deliver(message.payload));
    client.on('error', (err) => log.error({ err }, 'change feed connection failed; live updates paused'));
    await client.query(`LISTEN ${CHANNEL}`);
    return feed;
  }

  #deliver(payload: string | undefined) {
    if (!payload) return;
    try {
      const { userId, notice } = JSON.parse(payload) as { userId: string; notice: ChangeNotice };
      this.#local.publish(userId, notice);
    } catch (err) {
      this.#log.warn({ err }, 'ignored a malformed change notice');
    }
  }

  publish(userId: string, notice: ChangeNotice): void {
    this.#client
      .query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ userId, notice })])
      .catch((err: unknown) => this.#log.error({ err }, 'publishing a change notice failed'));
  }

  subscribe(userId: string, listener: ChangeListener): () => void {
    return this.#local.subscribe(userId, listener);
  }

  async close(): Promise<void> {
    await this.#local.close();
    await this.#client.end();
  }
}
