import type { CardData } from '../../shared/api/characters.js';
import { splitExampleDialogue } from './example-dialogue.js';

/** SillyTavern's default main prompt; a card's own system_prompt replaces it and can include it as {{original}}. */
export const DEFAULT_SYSTEM_PROMPT = "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}.";

/** SillyTavern's default impersonation prompt, for chat completion (text completion opens the user's turn). */
export const IMPERSONATION_PROMPT =
  "[Write your next reply from the point of view of {{user}}, using the chat history so far as a guideline for the writing style of {{user}}. Don't write as {{char}} or system. Don't describe actions of {{char}}.]";

/** The card's and persona's texts as they go into the prompt, macros expanded; an empty field stays empty. */
export interface CharacterParts {
  system_prompt: string;
  description: string;
  personality: string;
  scenario: string;
  persona: string;
  post_history_instructions: string;
  /** Example conversations, each starting with its <START> marker. */
  examples: string[];
}

export type Expand = (text: string, original?: string) => string;

export function renderCharacterParts(card: CardData, personaDescription: string, expand: Expand): CharacterParts {
  const labelled = (label: string, text: string) => (text.trim() ? `${label}${expand(text).trim()}` : '');
  return {
    system_prompt: expand(card.system_prompt?.trim() || DEFAULT_SYSTEM_PROMPT, DEFAULT_SYSTEM_PROMPT).trim(),
    description: labelled('', card.description),
    personality: labelled(`${card.name}'s personality: `, card.personality),
    scenario: labelled('Scenario: ', card.scenario),
    persona: labelled('', personaDescription),
    post_history_instructions: expand(card.post_history_instructions ?? '', '').trim(),
    examples: splitExampleDialogue(card.mes_example).map((block) => `<START>\n${expand(block)}`),
  };
}
