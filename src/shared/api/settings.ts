import { z } from 'zod';
import { ClientId, SafeText } from './ids.js';

const JsonObject = z.record(z.string(), z.unknown());

/** Settings are one JSON object per user; a patch is a JSON merge patch (null removes a key). */
export const Settings = z.object({ values: JsonObject, revision: z.number().int() });
export type Settings = z.infer<typeof Settings>;

export const SettingsPatchRequest = z.object({ opId: ClientId, patch: JsonObject });
export type SettingsPatchRequest = z.infer<typeof SettingsPatchRequest>;

export const Persona = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  isDefault: z.boolean(),
  avatarUrl: z.string().nullable(),
  revision: z.number().int(),
  updatedAt: z.string(),
});
export type Persona = z.infer<typeof Persona>;

/** Created with a client-made id: a retried create is a no-op. */
export const CreatePersonaRequest = z.object({
  id: ClientId,
  name: SafeText(200).min(1),
  description: SafeText(100_000).default(''),
  isDefault: z.boolean().default(false),
});
export type CreatePersonaRequest = z.infer<typeof CreatePersonaRequest>;

export const PersonaPatchRequest = z.object({
  opId: ClientId,
  patch: z
    .object({ name: SafeText(200).min(1), description: SafeText(100_000), isDefault: z.boolean() })
    .partial(),
});
export type PersonaPatchRequest = z.infer<typeof PersonaPatchRequest>;
