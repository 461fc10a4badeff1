/**
 * Every CLI command, registered explicitly. Add a command by adding its module here.
 *
 * A command module imports at its top only what declaring the command needs (commander, its
 * defaults from small leaf modules, types); its action `await import()`s the library it runs. So
 * `aes post`, `aes broker` or `aes --help` never load the code generator (ts-morph, TypeScript):
 * every command module is loaded for every command (test/cli/lazy-load.test.ts checks this).
 */
import { registerBroker } from './broker.js';
import { registerCall } from './call.js';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerDemo } from './demo.js';
import { registerCreate } from './create.js';
import { registerDescribe } from './describe.js';
import { registerDlq } from './dlq.js';
import { registerEndpoint } from './endpoint.js';
import { registerGen } from './gen.js';
import { registerMock } from './mock.js';
import { registerPing } from './ping.js';
import { registerPost } from './post.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerTrace } from './trace.js';
import type { RegisterCommand } from './register-command.js';

export type { RegisterCommand } from './register-command.js';

export const COMMANDS: readonly RegisterCommand[] = [
  registerGen,
  registerDescribe,
  registerBroker,
  registerConfig,
  registerPost,
  registerCall,
  registerPing,
  registerMock,
  registerRun,
  registerStatus,
  registerTrace,
  registerEndpoint,
  registerDlq,
  registerDemo,
  registerCreate,
  registerCompletion,
];
