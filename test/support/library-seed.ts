import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/server/store/store.js';

/** Tags spread over a big library: each card has two of them, a few are common, most are folders of a few hundred. */
export const SEED_TAGS = Array.from({ length: 40 }, (_, i) => `tag-${String(i).padStart(2, '0')}`);

/**
 * `count` characters for the only user, written straight through the store in one transaction (20,000 uploads
 * over HTTP would take minutes): names "Character 00001"…, two tags each, every 50th a favourite (in its card, as
 * SillyTavern keeps it, and in the column the list reads).
 */
export async function seedLibrary(store: Store, count: number, now = Date.now()): Promise<string> {
  const [user] = await store.users.list();
  if (!user) throw new Error('no user to seed a library for: open a session first');
  await store.transaction(async (repos) => {
    for (let i = 1; i <= count; i++) {
      const name = `Character ${String(i).padStart(5, '0')}`;
      const tags = [SEED_TAGS[i % SEED_TAGS.length]!, SEED_TAGS[(i * 7) % SEED_TAGS.length]!];
      const card = { spec: 'chara_card_v2' as const, spec_version: '2.0', data: { name, description: `Card number ${i}.`, personality: '', scenario: '', first_mes: 'Hello.', mes_example: '', tags, creator: `creator ${i % 97}`, extensions: { fav: i % 50 === 0 } } };
      await repos.characters.insert({
        id: randomUUID(),
        userId: user.id,
        name,
        card,
        tags,
        creator: card.data.creator,
        avatarHash: null,
        thumbnailHash: null,
        sourceKey: null,
        favourite: i % 50 === 0,
        personaId: null,
        createdAt: now - (count - i) * 1000,
        updatedAt: now,
      });
    }
  });
  return user.id;
}
