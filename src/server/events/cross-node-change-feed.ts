import type { FastifyBaseLogger } from 'fastify';
import type { ChangeNotice } from '../../shared/api/events.js';
import type { NodeChannel, StoreDialect } from '../store/store-dialect.js';
import { LocalChangeFeed, type ChangeFeed, type ChangeListener } from './change-feed.js';

const CHANNEL = 'parley_changes';
/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900;

/**
 * Change notices across the nodes sharing a database: every publish goes out on the store's node channel
 * (PostgreSQL NOTIFY) and comes back to every node, this one included, which delivers to its own subscribers.
 * One NOTIFY is on its way at a time, and the notices published meanwhile go out together in the next (a JSON
 * array, in publishing order): under many writers, one round trip on the channel's one connection carries many.
 */
export class CrossNodeChangeFeed implements ChangeFeed {
  readonly #local = new LocalChangeFeed();
  readonly #log: FastifyBaseLogger;
  #channel: NodeChannel | null = null;
  /** Notices not yet sent, each as its JSON. */
  #pending: string[] = [];
  #sending: Promise<void> | null = null;

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
      type Published = { userId: string; notice: ChangeNotice };
      const parsed = JSON.parse(payload) as Published[] | Published;
      // A node of an older version, during a rolling upgrade, sends one notice per payload.
      for (const { userId, notice } of Array.isArray(parsed) ? parsed : [parsed]) {
        this.#local.publish(userId, notice);
      }
    } catch (err) {
      this.#log.warn({ err }, 'ignored a malformed change notice');
    }
  }

  publish(userId: string, notice: ChangeNotice): void {
    if (!this.#channel) return;
    this.#pending.push(JSON.stringify({ userId, notice }));
    this.#sending ??= this.#drain(this.#channel);
  }

  async #drain(channel: NodeChannel): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#nextBatch();
      try {
        await channel.send(`[${batch.join(',')}]`);
      } catch (err) {
        this.#log.error({ err }, 'publishing a change notice failed');
      }
    }
    this.#sending = null;
  }

  /** The oldest pending notices that fit one payload (at least one: a notice too large fails alone, as it did). */
  #nextBatch(): string[] {
    let bytes = 2;
    let count = 0;
    for (const json of this.#pending) {
      bytes += Buffer.byteLength(json) + 1;
      if (count > 0 && bytes > MAX_PAYLOAD_BYTES) break;
      count += 1;
    }
    return this.#pending.splice(0, count);
  }

  subscribe(userId: string, listener: ChangeListener): () => void {
    return this.#local.subscribe(userId, listener);
  }

  async close(): Promise<void> {
    await this.#sending;
    await this.#local.close();
    await this.#channel?.close();
  }
}
