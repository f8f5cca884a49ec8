import { z } from 'zod';
import { ClientId, EntityId, SafeText } from './ids.js';

/**
 * Who speaks next when nobody is forced (SillyTavern's activation strategies): natural (a member named in the last
 * message, then a talkativeness draw), list (every unmuted member in order), manual (nobody unless the user picks;
 * auto-mode picks one at random), pooled (each member once before any speaks twice since the user last wrote).
 */
export const GroupStrategy = z.enum(['natural', 'list', 'manual', 'pooled']);
export type GroupStrategy = z.infer<typeof GroupStrategy>;

/**
 * Whose card the prompt carries: swap (the speaking member's), join (every member's fields joined, muted members
 * left out unless speaking), join_with_muted (every member's). SillyTavern's SWAP, APPEND and APPEND_DISABLED.
 */
export const GroupPromptMode = z.enum(['swap', 'join', 'join_with_muted']);
export type GroupPromptMode = z.infer<typeof GroupPromptMode>;

export const GroupSettings = z.object({
  strategy: GroupStrategy.default('natural'),
  promptMode: GroupPromptMode.default('swap'),
  /** A member may answer its own message (natural order bans the last speaker otherwise). */
  allowSelfResponses: z.boolean().default(false),
  /** Seconds between two replies in auto-mode. */
  autoModeDelay: z.number().int().min(1).max(3600).default(5),
  /** Put around each member's field in join mode; `<FIELDNAME>` becomes the field's name, {{char}} the member's. */
  joinPrefix: SafeText(2000).default(''),
  joinSuffix: SafeText(2000).default(''),
  /** Replaces the members' scenarios in every chat of the group ('' keeps them). */
  scenario: SafeText(50_000).default(''),
  /** Replaces the cards' system prompts ('' keeps them). */
  systemPrompt: SafeText(50_000).default(''),
  /** World info books (by name) of the group: read in its chats with the members' books. */
  books: z.array(SafeText(200).trim().min(1)).max(50).default([]),
});
export type GroupSettings = z.infer<typeof GroupSettings>;

/** A member as stored: a deleted or never-imported character keeps its name, so the group still says who is missing. */
export const GroupMemberRecord = z.object({
  characterId: z.string().nullable(),
  name: z.string(),
  /** SillyTavern's member key, the character's avatar file name ("Seraphina.png"); null for members added in Parley. */
  avatarKey: z.string().nullable(),
  muted: z.boolean(),
});
export type GroupMemberRecord = z.infer<typeof GroupMemberRecord>;

export const GroupMember = GroupMemberRecord.extend({
  /** True when the character is not in the library (deleted, or not found on import): it cannot speak. */
  missing: z.boolean(),
  avatarUrl: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
});
export type GroupMember = z.infer<typeof GroupMember>;

export const Group = z.object({
  id: z.string(),
  name: z.string(),
  members: z.array(GroupMember),
  settings: GroupSettings,
  tags: z.array(z.string()),
  favourite: z.boolean(),
  /** The group's own picture; null: show the members' thumbnails as a collage. */
  avatarUrl: z.string().nullable(),
  chatCount: z.number().int(),
  latestChatId: z.string().nullable(),
  revision: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Group = z.infer<typeof Group>;

const MemberIds = z
  .array(EntityId)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'a character can be a member only once');

export const CreateGroupRequest = z.object({
  /** Client-made id: a retried create returns the group made the first time. */
  id: ClientId.optional(),
  name: SafeText(200).trim().min(1),
  memberIds: MemberIds.min(1),
  settings: GroupSettings.partial().optional(),
  tags: z.array(SafeText(100)).max(100).optional(),
  favourite: z.boolean().optional(),
});
export type CreateGroupRequest = z.infer<typeof CreateGroupRequest>;

/**
 * Sets what it names and leaves the rest. `memberIds` is the new member list in speaking order (members missing from
 * the library drop out when it is given); `mutedIds` the members who are muted.
 */
export const UpdateGroupRequest = z.object({
  name: SafeText(200).trim().min(1).optional(),
  memberIds: MemberIds.optional(),
  mutedIds: MemberIds.optional(),
  settings: GroupSettings.partial().optional(),
  tags: z.array(SafeText(100)).max(100).optional(),
  favourite: z.boolean().optional(),
});
export type UpdateGroupRequest = z.infer<typeof UpdateGroupRequest>;

/**
 * POST /api/chats/:id/convert-to-group (SillyTavern's "Convert to group"): a new group of the chat's character and
 * a new chat of that group holding a copy of the messages; the 1:1 chat stays. Client-made ids make a retry
 * return what the first request made.
 */
export const ConvertToGroupRequest = z.object({
  groupId: ClientId.optional(),
  chatId: ClientId.optional(),
});
export type ConvertToGroupRequest = z.infer<typeof ConvertToGroupRequest>;
