import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { ChangeNotice } from '../../src/shared/api/events.js';
import { LocalChangeFeed } from '../../src/server/events/change-feed.js';
import { ChatAudienceFeed } from '../../src/server/events/chat-audience-feed.js';

/** A ChatAudienceFeed over an in-process feed, with the reads of a chat's participants counted. */
function audienceFeed(participants: Record<string, string[]>) {
  const reads: string[] = [];
  const feed = new ChatAudienceFeed(
    new LocalChangeFeed(),
    async (chatId) => {
      reads.push(chatId);
      return participants[chatId] ?? [];
    },
    pino({ level: 'silent' }),
  );
  const heard = (userId: string) => {
    const notices: ChangeNotice[] = [];
    feed.subscribe(userId, (notice) => notices.push(notice));
    return notices;
  };
  return { feed, reads, heard };
}

const notice = (chatId: string, revision: number): ChangeNotice => ({ type: 'chat', chatId, revision });

test("a chat's participants are read when a notice goes out, unless its publisher tells them", async () => {
  const { feed, reads, heard } = audienceFeed({ shared: ['ann', 'ben'], own: ['ann'] });
  const ann = heard('ann');
  const ben = heard('ben');

  feed.publish('ann', notice('shared', 1));
  // Told: the chat's own transaction read them (ben among them), so nothing is read.
  feed.publish('ann', notice('shared', 2), ['ann', 'ben']);
  // Told the publisher alone (a chat shared with nobody, the save path's usual case): nothing read, nothing more sent.
  feed.publish('ann', notice('own', 3), ['ann']);
  await feed.close();

  assert.deepEqual(reads, ['shared'], 'read once, for the notice that did not say');
  assert.deepEqual(ann.map((n) => 'revision' in n && n.revision), [1, 2, 3]);
  assert.deepEqual(ben.map((n) => 'revision' in n && n.revision), [1, 2], 'in publishing order');
});
