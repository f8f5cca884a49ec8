import { createHash } from 'node:crypto';

/**
 * The Parley id of a persona imported from SillyTavern, made from SillyTavern's key for it (its avatar's file name,
 * "user-default.png"): the same persona imported again is found, not doubled, and a chat's `chat_metadata.persona`
 * or a persona's character connection names it before or after the persona itself is imported.
 */
export const personaIdOfAvatar = (avatarId: string) => `st-${createHash('sha256').update(avatarId).digest('hex').slice(0, 32)}`;
