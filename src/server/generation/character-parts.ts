import type { CardData } from '../../shared/api/characters.js';
import { activeSystemPrompt, DEFAULT_SYSTEM_PROMPT, type PromptSettings } from '../../shared/api/prompt-settings.js';
import { splitExampleDialogue } from './example-dialogue.js';
import type { PromptPart } from './prompt-pipeline/prompt-parts.js';

/** SillyTavern's default impersonation prompt, for chat completion (text completion opens the user's turn). */
export const IMPERSONATION_PROMPT =
  "[Write your next reply from the point of view of {{user}}, using the chat history so far as a guideline for the writing style of {{user}}. Don't write as {{char}} or system. Don't describe actions of {{char}}.]";

/** The card's and persona's parts of the prompt, before macros: a gather-stage source. */
export interface CharacterParts {
  system_prompt: PromptPart;
  description: PromptPart;
  personality: PromptPart;
  scenario: PromptPart;
  persona: PromptPart;
  post_history_instructions: PromptPart;
  /** Example conversations, each starting with its <START> marker. */
  examples: PromptPart[];
}

/**
 * The card's and persona's parts. The system prompt is the active preset unless the card has its own and the user
 * prefers the card's (SillyTavern's default); the post-history instructions likewise. A card's text can name
 * what it replaces as {{original}}.
 */
export function characterParts(card: CardData, personaDescription: string, settings: PromptSettings): CharacterParts {
  const system = { role: 'system', name: 'system' } as const;
  const field = (part: 'description' | 'personality' | 'scenario', label: string): PromptPart => ({
    ...system,
    part,
    source: { kind: 'card', detail: part },
    text: card[part],
    macros: { kind: 'field', label },
  });
  const preset = activeSystemPrompt(settings);
  const presetText = preset?.content ?? DEFAULT_SYSTEM_PROMPT;
  const ownSystemPrompt = settings.preferCardSystemPrompt ? card.system_prompt?.trim() : '';
  const ownPostHistory = settings.preferCardPostHistory ? card.post_history_instructions?.trim() : '';
  return {
    system_prompt: {
      ...system,
      part: 'system_prompt',
      source: ownSystemPrompt ? { kind: 'card', detail: 'system_prompt' } : { kind: 'settings', detail: `system prompt: ${preset?.name ?? 'Default'}` },
      text: ownSystemPrompt || presetText,
      macros: { kind: 'override', original: presetText },
    },
    description: field('description', ''),
    personality: field('personality', `${card.name}'s personality: `),
    scenario: field('scenario', 'Scenario: '),
    persona: { ...system, part: 'persona', source: { kind: 'persona', detail: 'description' }, text: personaDescription, macros: { kind: 'field', label: '' } },
    post_history_instructions: {
      ...system,
      part: 'post_history_instructions',
      source: ownPostHistory ? { kind: 'card', detail: 'post_history_instructions' } : { kind: 'settings', detail: 'post_history_instructions' },
      text: ownPostHistory || settings.postHistoryInstructions,
      macros: { kind: 'override', original: settings.postHistoryInstructions },
    },
    examples: splitExampleDialogue(card.mes_example).map((block) => ({
      ...system,
      part: 'example_dialogue',
      source: { kind: 'card', detail: 'mes_example' },
      text: block,
      macros: { kind: 'text', label: '<START>\n' },
    })),
  };
}
