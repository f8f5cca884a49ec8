import type { FastifyBaseLogger } from 'fastify';
import type { ChangeNotice } from '../../shared/api/events.js';
import type { ChangeFeed, ChangeListener } from './change-feed.js';

/** Everyone a notice about a chat is for: its owner and the accounts it is shared with, as they are now. */
export type ChatParticipants = (chatId: string) => Promise<string[]>;

/**
 * A notice about a chat reaches every participant of that chat, not only the account whose request caused it:
 * the publisher's own delivery is immediate, as before; the others follow once the chat's participants are read,
 * in publishing order (one queue). Read at publish time, so an unshare takes effect for the very next notice, and
 * open event streams of a removed participant hear nothing more of the chat; or given by the publisher, read under
 * the chat's lock in the change's own transaction (the save path: a chat shared with nobody needs no read at all).
 * Other notices pass straight through.
 */
export class ChatAudienceFeed implements ChangeFeed {
  readonly #inner: ChangeFeed;
  readonly #participants: ChatParticipants;
  readonly #log: FastifyBaseLogger;
  #queue: Promise<void> = Promise.resolve();

  constructor(inner: ChangeFeed, participants: ChatParticipants, log: FastifyBaseLogger) {
    this.#inner = inner;
    this.#participants = participants;
    this.#log = log;
  }

  publish(userId: string, notice: ChangeNotice, participants?: readonly string[]): void {
    this.#inner.publish(userId, notice);
    if (!('chatId' in notice)) return;
    // Known, and no one but the publisher (a chat shared with nobody, the usual case): nothing to read or send.
    if (participants?.every((participant) => participant === userId)) return;
    this.#queue = this.#queue
      .then(async () => {
        for (const participant of new Set(participants ?? (await this.#participants(notice.chatId)))) {
          if (participant !== userId) this.#inner.publish(participant, notice);
        }
      })
      .catch((err: unknown) => this.#log.error({ err }, "telling a chat's participants of a change failed"));
  }

  subscribe(userId: string, listener: ChangeListener): () => void {
    return this.#inner.subscribe(userId, listener);
  }

  /** Lets the notices already queued go out first. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#inner.close();
  }
}
