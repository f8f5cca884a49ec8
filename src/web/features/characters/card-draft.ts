import { z } from 'zod';
import { Card, CardData } from '../../../shared/api/characters.js';

/** An unsaved edit kept in this browser, if it is still a valid card. */
export function readDraft(text: string): Card | null {
  if (!text) return null;
  try {
    const parsed = Card.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A card with nothing in it yet, in SillyTavern's shape (V2, its usual extensions). */
export function blankCard(): Card {
  return {
    spec: 'chara_card_v2',
    spec_version: '2.0',
    data: {
      name: '',
      description: '',
      personality: '',
      scenario: '',
      first_mes: '',
      mes_example: '',
      creator_notes: '',
      system_prompt: '',
      post_history_instructions: '',
      alternate_greetings: [],
      tags: [],
      creator: '',
      character_version: '',
      extensions: { talkativeness: '0.5', fav: false, world: '', depth_prompt: { prompt: '', depth: 4, role: 'system' } },
    },
  };
}

/** A new character's draft: a card that may have no name yet (a saved card must have one). */
const NewCardDraft = Card.extend({ data: CardData.extend({ name: z.string().max(500) }) });

/** A new character's unsaved fields, kept in this browser, over a blank card. */
export function readNewDraft(text: string): Card | null {
  if (!text) return null;
  try {
    const parsed = NewCardDraft.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as Card) : null;
  } catch {
    return null;
  }
}
