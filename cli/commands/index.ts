/** Every CLI command, registered explicitly. Add a command by adding its module here. */
import type { Command } from 'commander';
import { registerBroker } from './broker.js';
import { registerCall } from './call.js';
import { registerConfig } from './config.js';
import { registerEndpoint } from './endpoint.js';
import { registerPing } from './ping.js';
import { registerPost } from './post.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';

/** A command module registers itself on the program; `setExitCode` reports its outcome. */
export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerBroker,
  registerConfig,
  registerPost,
  registerCall,
  registerPing,
  registerRun,
  registerStatus,
  registerEndpoint,
];
