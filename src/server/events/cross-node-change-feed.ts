import type { FastifyBaseLogger } from 'fastify';
import type { ChangeNotice } from '../../shared/api/events.js';
import type { NodeChannel, StoreDialect } from '../store/store-dialect.js';
import { LocalChangeFeed, type ChangeFeed, type ChangeListener } from './change-feed.js';

const CHANNEL = 'parley_changes';

/**
 * Change notices across the nodes sharing a database: every publish goes out on the store's node channel
 * (PostgreSQL NOTIFY) and comes back to every node, this one included, which delivers to its own subscribers.
 */
export class CrossNodeChangeFeed implements ChangeFeed {
  readonly #local = new LocalChangeFeed();
  readonly #log: FastifyBaseLogger;
  #channel: NodeChannel | null = null;

  private constructor(log: FastifyBaseLogger) {
    this.#log = log;
  }

  static async connect(
    open: NonNullable<StoreDialect['openNodeChannel']>,
    log: FastifyBaseLogger,
  ): Promise<CrossNodeChangeFeed> {
    const feed = new CrossNodeChangeFeed(log);
    feed.#channel = await open(CHANNEL, {
      message: (payload) => feed.#deliver(payload),
      error: (err) => log.error({ err }, 'change feed connection failed; live updates paused'),
    });
    return feed;
  }

  #deliver(payload: string) {
    try {
      const { userId, notice } = JSON.parse(payload) as { userId: string; notice: ChangeNotice };
      this.#local.publish(userId, notice);
    } catch (err) {
      this.#log.warn({ err }, 'ignored a malformed change notice');
    }
  }

  publish(userId: string, notice: ChangeNotice): void {
    this.#channel
      ?.send(JSON.stringify({ userId, notice }))
      .catch((err: unknown) => this.#log.error({ err }, 'publishing a change notice failed'));
  }

  subscribe(userId: string, listener: ChangeListener): () => void {
    return this.#local.subscribe(userId, listener);
  }

  async close(): Promise<void> {
    await this.#local.close();
    await this.#channel?.close();
  }
}
