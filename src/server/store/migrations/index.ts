import type { Migration } from 'kysely';
import * as accounts from './0001-accounts.js';
import * as library from './0002-library.js';
import * as generation from './0003-generation.js';
import * as hiddenAndPersonas from './0005-hidden-and-personas.js';
import * as usage from './0006-usage.js';
import * as worlds from './0007-worlds.js';
import * as importLeases from './0008-import-leases.js';
import * as history from './0011-history.js';
import * as messageSearch from './0012-message-search.js';
import * as groups from './0013-groups.js';
import * as groupTrash from './0014-group-trash.js';
import * as chatShares from './0015-chat-shares.js';
import * as searchByDate from './0016-search-by-date.js';
import * as groupBranches from './0017-group-branches.js';

/** Every migration, in order. Names sort the same way they apply; never rename or edit a shipped one. */
export const migrations: Record<string, Migration> = {
  '0001-accounts': accounts,
  '0002-library': library,
  '0003-generation': generation,
  '0005-hidden-and-personas': hiddenAndPersonas,
  '0006-usage': usage,
  '0007-worlds': worlds,
  '0008-import-leases': importLeases,
  '0011-history': history,
  '0012-message-search': messageSearch,
  '0013-groups': groups,
  '0014-group-trash': groupTrash,
  '0015-chat-shares': chatShares,
  '0016-search-by-date': searchByDate,
  '0017-group-branches': groupBranches,
};
