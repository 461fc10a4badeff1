/** `aes post <spec> [json]`: posts one event to a published state. A shell over `postOnce`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { ClientFlags } from '../../cluster/internal.js';
import type { RegisterCommand } from './register-command.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  {
    does: 'post an event to a state of node-a (exit 0 once the node has read it)',
    line: 'aes post poe://node-a/orders/note \'{"a":1}\'',
  },
  {
    does: 'with the secret in a file, over TLS',
    line: 'aes post poe://node-a/orders/note --address tls://aes.example:7100 --secret-file /etc/aes/cluster.secret --ca ca.pem',
  },
];

function integer(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0)
    throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

/** The connection flags `post`, `call` and `ping` share. */
export function addClientFlags(command: Command): Command {
  return command
    .option(
      '-a, --address <address>',
      'kernel address: tcp://host:port, tls://host:port or unix:/path (env AES_CLUSTER_ADDRESS)',
    )
    .option(
      '--secret <secret>',
      'shared secret (prefer AES_CLUSTER_SECRET or --secret-file: flags show in ps)',
    )
    .option('--secret-file <path>', 'file holding the shared secret (env AES_CLUSTER_SECRET_FILE)')
    .option('--ca <path>', 'PEM CA bundle for tls:// (env AES_CLUSTER_CA)')
    .option('--cert <path>', 'PEM client certificate for mutual TLS (env AES_CLUSTER_CERT)')
    .option('--key <path>', 'PEM client key for mutual TLS (env AES_CLUSTER_KEY)')
    .option(
      '--timeout-ms <ms>',
      'deadline of the connection and the operation (default 10000)',
      integer,
    );
}

export const registerPost: RegisterCommand = (program) => {
  addClientFlags(
    addExamples(program.command('post'), EXAMPLES)
      .description(
        'post an event to a published state: aes post poe://kernel/session/state \'{"json":1}\'',
      )
      .argument('<spec>', 'poe://kernel/session/state')
      .argument('[json]', 'the event arguments as JSON (default null)'),
  ).action(async (spec: string, json: string | undefined, flags: ClientFlags) => {
    const { parseJsonArgument, postOnce } = await import('../../cluster/internal.js');
    await postOnce(spec, parseJsonArgument(json), flags);
  });
};
