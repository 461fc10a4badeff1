/**
 * One way to name the node config on every command that reads it: `-c, --config <file>`. `aes run`
 * and `aes config check` also keep their older positional argument as an alias; naming two
 * different files is a usage error rather than a silent choice.
 */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../runtime/config/defaults.js';

/** The flags `addConfigOption` declares. */
export interface ConfigFlags {
  readonly config?: string;
}

/** The config named twice, by the positional argument and by `--config`, differently. */
export class ConfigOptionConflictError extends Error {
  override readonly name = 'ConfigOptionConflictError';
  readonly code = 'CLI_CONFIG_CONFLICT';
  /** A usage mistake, as commander's own. */
  readonly exitCode = 2;

  constructor(
    readonly positional: string,
    readonly option: string,
  ) {
    super(
      `the config is named twice: '${positional}' (argument) and '${option}' (--config); give one`,
    );
  }
}

/** Declares `-c, --config <file>` on `command` (its default shown in the help, applied by `configFile`). */
export function addConfigOption(command: Command): Command {
  return command.option(
    '-c, --config <file>',
    `the node config file (default ${DEFAULT_CONFIG_FILE})`,
  );
}

/** The config file to read: `--config`, else the positional alias, else the default. */
export function configFile(flags: ConfigFlags, positional?: string): string {
  const option = flags.config;
  if (option !== undefined && positional !== undefined && option !== positional) {
    throw new ConfigOptionConflictError(positional, option);
  }
  return option ?? positional ?? DEFAULT_CONFIG_FILE;
}
