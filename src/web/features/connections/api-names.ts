import type { ConnectionApi } from '../../../shared/api/generation.js';

/** What each kind of connection is called on screen (form, card, prompt inspector). */
export const API_NAMES: Record<ConnectionApi, string> = {
  'chat-completions': 'Chat completions',
  'text-completions': 'Text completions',
  anthropic: 'Anthropic (Claude)',
  google: 'Google Gemini',
  local: 'Model file in Parley',
};
