import type { Migration } from 'kysely';
import * as accounts from './0001-accounts.js';
import * as library from './0002-library.js';
import * as generation from './0003-generation.js';

/** Every migration, in order. Names sort the same way they apply; never rename or edit a shipped one. */
export const migrations: Record<string, Migration> = {
  '0001-accounts': accounts,
  '0002-library': library,
  '0003-generation': generation,
};
