import { Command, Option } from 'commander';
import type { ConfigOverrides } from '../config.js';

/** The flags every command takes, so the operator can point any command at a running server's data. */
export function withStoreOptions(command: Command): Command {
  return command
    .addOption(new Option('--config <file>', 'config file (default: <data>/config.yaml)'))
    .addOption(new Option('--data <dir>', 'data folder (default: ./data)'));
}

export function overridesOf(options: Record<string, unknown>): ConfigOverrides {
  return {
    ...(typeof options.config === 'string' && { config: options.config }),
    ...(typeof options.data === 'string' && { data: options.data }),
    ...(typeof options.port === 'number' && { port: options.port }),
    ...(typeof options.host === 'string' && { host: options.host }),
  };
}
