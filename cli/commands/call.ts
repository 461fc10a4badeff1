/** `aes call <spec> [json]`: calls a published state and prints its result as JSON. */
import type { ClientFlags } from '../../cluster/internal.js';
import type { RegisterCommand } from './register-command.js';
import { addExamples, type Example } from '../examples.js';
import { addClientFlags } from './post.js';

const EXAMPLES: readonly Example[] = [
  {
    does: 'call a state of node-a and print its result',
    line: 'aes call poe://node-a/orders/count',
  },
  {
    does: 'with arguments, at a given kernel',
    line: "aes call poe://node-a/orders/find '[1,2]' --address tcp://127.0.0.1:7100",
  },
];

export const registerCall: RegisterCommand = (program) => {
  addClientFlags(
    addExamples(program.command('call'), EXAMPLES)
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
