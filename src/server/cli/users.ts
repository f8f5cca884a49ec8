import { Command, Option } from 'commander';
import { createInterface } from 'node:readline/promises';
import { CreateUserRequest } from '../../shared/api/session.js';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { Accounts } from '../security/accounts.js';
import { SessionManager } from '../security/session-manager.js';
import { openStore, type Store } from '../store/store.js';
import { overridesOf, withStoreOptions } from './store-options.js';

async function withAccounts<T>(options: Record<string, unknown>, work: (accounts: Accounts) => Promise<T>): Promise<T> {
  const config = loadConfig(overridesOf(options));
  const store: Store = await openStore(config.database);
  try {
    const sessions = new SessionManager(store.sessions, systemClock, config.sessionTimeout);
    return await work(new Accounts(store, sessions, systemClock));
  } finally {
    await store.close();
  }
}

async function askPassword(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  try {
    return (await rl.question('Password: ')).trim();
  } finally {
    rl.close();
  }
}

/** `parley users add|passwd|list`: the operator's way in, beside a running server. */
export function usersCommand(): Command {
  const users = new Command('users').description('manage accounts');

  withStoreOptions(users.command('add <handle>').description('create an account'))
    .addOption(new Option('--password <password>', 'its password (asked for when left out)'))
    .option('--name <name>', 'display name')
    .option('--admin', 'may manage other accounts', false)
    .action(async (handle: string, options) => {
      const password = options.password ?? (await askPassword());
      const input = CreateUserRequest.parse({ handle, password, name: options.name, admin: options.admin });
      await withAccounts(options, async (accounts) => {
        const user = await accounts.create(input);
        console.log(`created ${user.handle}${user.admin ? ' (admin)' : ''}`);
      });
    });

  withStoreOptions(users.command('passwd <handle>').description("set an account's password; ends its sessions"))
    .addOption(new Option('--password <password>', 'the new password (asked for when left out)'))
    .action(async (handle: string, options) => {
      const password = options.password ?? (await askPassword());
      if (password.length < 8) throw new Error('a password needs at least 8 characters');
      await withAccounts(options, async (accounts) => {
        await accounts.update(handle, { password });
        console.log(`password of ${handle} changed; its sessions have ended`);
      });
    });

  withStoreOptions(users.command('list').description('list accounts')).action(async (options) => {
    await withAccounts(options, async (accounts) => {
      for (const user of await accounts.list()) {
        console.log(`${user.handle}\t${user.name}${user.admin ? '\tadmin' : ''}${user.passwordHash ? '' : '\t(no password)'}`);
      }
    });
  });

  return users;
}
