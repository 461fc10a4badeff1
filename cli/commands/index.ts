/** Every CLI command, registered explicitly. Add a command by adding its module here. */
import type { Command } from 'commander';
import { registerBroker } from './broker.js';
import { registerCall } from './call.js';
import { registerConfig } from './config.js';
import { registerPing } from './ping.js';
import { registerPost } from './post.js';

/** A command module registers itself on the program; `setExitCode` reports its outcome. */
export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerBroker,
  registerConfig,
  registerPost,
  registerCall,
  registerPing,
];
