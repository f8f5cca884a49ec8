import { z } from 'zod';
import { SafeText } from './ids.js';

/** A handle names an account in URLs and on the command line, so it is kept to a safe alphabet. */
export const Handle = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" and "-", starting with a letter or digit');

export const Password = z.string().min(1).max(1024);

export const PublicUser = z.object({
  handle: Handle,
  name: z.string(),
  admin: z.boolean(),
});
export type PublicUser = z.infer<typeof PublicUser>;

export const SessionInfo = z.object({
  user: PublicUser.nullable(),
  csrfToken: z.string().nullable(),
  accounts: z.boolean(),
  expiresAt: z.string().nullable(),
  /** The operator's `allowRemoteImages`: whether messages and cards may show images from other sites. */
  remoteImages: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const LoginRequest = z.object({ handle: z.string().min(1).max(64), password: Password });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({ user: PublicUser, csrfToken: z.string() });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const PasswordChangeRequest = z.object({ current: Password, next: z.string().min(8).max(1024) });
export type PasswordChangeRequest = z.infer<typeof PasswordChangeRequest>;

export const CreateUserRequest = z.object({
  handle: Handle,
  name: SafeText(128).min(1).optional(),
  password: z.string().min(8).max(1024),
  admin: z.boolean().optional(),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const UpdateUserRequest = z
  .object({
    name: SafeText(128).min(1).optional(),
    password: z.string().min(8).max(1024).optional(),
    admin: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;
