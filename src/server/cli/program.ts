import { Command, InvalidArgumentError } from 'commander';
import { ZodError } from 'zod';
import { ConfigError } from '../config.js';
import { overridesOf, withStoreOptions } from './store-options.js';
import { backupCommands } from './backup.js';
import { importSillyTavernCommand } from './import-sillytavern.js';
import { usersCommand } from './users.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number, 0-65535');
  return n;
}

export async function runCli(argv: string[]): Promise<void> {
  const program = new Command('parley').description('Chat with characters through LLMs; never lose a word.');

  withStoreOptions(program.command('serve', { isDefault: true }).description('start the server'))
    .option('--port <n>', 'port to listen on', port)
    .option('--host <addr>', 'address to listen on')
    // The server is its own chunk of the bundle, loaded when run: V8's parser takes memory in proportion to the
    // file it compiles and the process keeps it after (malloc does not give it back): the whole server in one 2 MB
    // file held 17 MB, the largest of its chunks now 9 (bench/README.md, startup.ts).
    .action(async (options) => (await import('./serve.js')).serve(overridesOf(options)));

  program.addCommand(usersCommand());
  for (const command of backupCommands()) program.addCommand(command);
  program.addCommand(importSillyTavernCommand());

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    if (error instanceof ZodError) {
      for (const issue of error.issues) console.error(`parley: ${issue.path.join('.') || 'input'}: ${issue.message}`);
      process.exit(2);
    }
    console.error(`parley: ${(error as Error).message}`);
    process.exit(1);
  }
}
