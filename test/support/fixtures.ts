import { randomUUID } from 'node:crypto';
import type { TestClient } from './http-client.js';

/** A V2 card with the fields tests care about; override any `data` key. */
/** A card as a client would send it; `data` is open, as cards carry any keys. */
export interface TestCard {
  spec: string;
  spec_version: string;
  data: Record<string, unknown> & { name: string; extensions: Record<string, unknown> };
}

export function makeCard(data: Record<string, unknown> = {}): TestCard {
  return {
    spec: 'chara_card_v2',
    spec_version: '2.0',
    data: {
      name: 'Seraphina',
      description: 'A guardian of the forest.',
      personality: 'kind',
      scenario: 'a glade',
      first_mes: 'Welcome, traveller.',
      mes_example: '',
      alternate_greetings: [],
      tags: ['fantasy'],
      creator: 'tests',
      extensions: { custom_key: { kept: true } },
      ...data,
    },
  };
}

export const newId = () => randomUUID();

/** Creates a character through the API and a chat with it; returns their ids. */
export async function createCharacterAndChat(client: TestClient, data: Record<string, unknown> = {}) {
  const character = await client.post('/api/characters', { card: makeCard(data) });
  if (character.status !== 201) throw new Error(`character: ${character.status} ${JSON.stringify(character.body)}`);
  const chat = await client.post('/api/chats', { characterId: character.body.id });
  if (chat.status !== 201) throw new Error(`chat: ${chat.status} ${JSON.stringify(chat.body)}`);
  return { characterId: character.body.id as string, chatId: chat.body.id as string, chat: chat.body };
}

export function appendOp(content: string, role: 'user' | 'assistant' = 'user', messageId = newId()) {
  return { opId: newId(), type: 'append', message: { id: messageId, role, name: role === 'user' ? 'User' : 'Seraphina', content } };
}
