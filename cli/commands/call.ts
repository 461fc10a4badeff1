/** `aes call <spec> [json]`: calls a published state and prints its result as JSON. */
import type { ClientFlags } from '../../cluster/internal.js';
import type { RegisterCommand } from './register-command.js';
import { addClientFlags } from './post.js';

export const registerCall: RegisterCommand = (program) => {
  addClientFlags(
    program
      .command('call')
      .description(
        "call a published state and print its result: aes call poe://kernel/session/state '[1,2]'",
      )
      .argument('<spec>', 'poe://kernel/session/state')
      .argument('[json]', 'the call arguments as JSON (default null)'),
  ).action(async (spec: string, json: string | undefined, flags: ClientFlags) => {
    const { callOnce, parseJsonArgument } = await import('../../cluster/internal.js');
    const result = await callOnce(spec, parseJsonArgument(json), flags);
    process.stdout.write(`${JSON.stringify(result ?? null)}\n`);
  });
};
