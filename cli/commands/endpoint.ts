/**
 * `aes endpoint start|stop|restart NAME`: controls an endpoint on whichever node of the cluster
 * runs it; placed by lease, start and stop are cluster-wide and lasting, and `aes endpoint move
 * NAME --to NODE` hands it over to another node. `aes endpoint run NAME`: runs an endpoint in this terminal, attached to its running
 * node (stop the supervised one first), for debugging.
 */
import { addConfigOption, configFile, type ConfigFlags } from '../config-option.js';
import type { EndpointAction } from '../../runtime/node/index.js';
import { registerEndpointCreate } from './endpoint-create.js';
import type { RegisterCommand } from './register-command.js';
import { stdoutPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

const ENDPOINT_EXAMPLES: readonly Example[] = [
  {
    does: 'add an endpoint to the project in this folder (asks what it needs)',
    line: 'aes endpoint create',
  },
  {
    does: 'restart an endpoint on whichever node runs it',
    line: 'aes endpoint restart orders-out',
  },
];

const CONTROL_EXAMPLES: readonly Example[] = [
  { does: 'on whichever node of the cluster runs it', line: 'aes endpoint restart orders-out' },
  {
    does: 'with another config, the outcome as JSON',
    line: 'aes endpoint stop orders-in -c /etc/aes/node.json --json',
  },
];

const MOVE_EXAMPLES: readonly Example[] = [
  {
    does: 'hand an endpoint placed by lease over to node-b (drained on its owner first)',
    line: 'aes endpoint move orders-out --to node-b',
  },
];

const RUN_EXAMPLES: readonly Example[] = [
  {
    does: 'stop the supervised one, then run it here to watch it',
    line: 'aes endpoint stop orders-out && aes endpoint run orders-out',
  },
];

interface Flags extends ConfigFlags {
  readonly address?: string;
  readonly json?: boolean;
  readonly to?: string;
}

export const registerEndpoint: RegisterCommand = (program, setExitCode) => {
  const endpoint = addExamples(program.command('endpoint'), ENDPOINT_EXAMPLES).description(
    'create endpoints, and control those of the cluster',
  );
  registerEndpointCreate(endpoint, setExitCode);
  for (const action of ['start', 'stop', 'restart'] as const satisfies readonly EndpointAction[]) {
    addConfigOption(
      addExamples(endpoint.command(action), CONTROL_EXAMPLES)
        .description(`${action} an endpoint, on whichever node runs it`)
        .argument('<name>', 'the endpoint'),
    )
      .option('--address <address>', "another node's cluster address (tcp://host:port)")
      .option('--json', 'print what was done as JSON: {"action","endpoint","node"}')
      .action(async (name: string, flags: Flags) => {
        const { controlEndpoint, loadConfig } = await import('../../runtime/node/index.js');
        const config = await loadConfig(configFile(flags));
        const node = await controlEndpoint(
          config,
          action,
          name,
          flags.address === undefined ? {} : { address: flags.address },
        );
        process.stdout.write(
          flags.json === true
            ? `${JSON.stringify({ action, endpoint: name, node })}\n`
            : `${stdoutPaint()('success', `${action}:`)} ${name} on ${node}\n`,
        );
        setExitCode(0);
      });
  }
  addConfigOption(
    addExamples(endpoint.command('move'), MOVE_EXAMPLES)
      .description(
        'hand an endpoint placed by lease over to another node: its owner drains and releases it, then that node runs it',
      )
      .argument('<name>', 'the endpoint'),
  )
    .requiredOption('--to <node>', 'the node to run it (one that has it in its endpoints folder)')
    .option('--address <address>', "another node's cluster address (tcp://host:port)")
    .option('--json', 'print what was done as JSON: {"action","endpoint","node"}')
    .action(async (name: string, flags: Flags) => {
      const { controlEndpoint, loadConfig } = await import('../../runtime/node/index.js');
      const config = await loadConfig(configFile(flags));
      const to = flags.to as string;
      await controlEndpoint(config, 'move', name, {
        to,
        ...(flags.address === undefined ? {} : { address: flags.address }),
      });
      process.stdout.write(
        flags.json === true
          ? `${JSON.stringify({ action: 'move', endpoint: name, node: to })}\n`
          : `${stdoutPaint()('success', 'move:')} ${name} now on ${to}\n`,
      );
      setExitCode(0);
    });
  addConfigOption(
    addExamples(endpoint.command('run'), RUN_EXAMPLES)
      .description('run an endpoint here, attached to its running node (for debugging)')
      .argument('<name>', 'the endpoint (a folder of the endpoints folder)'),
  ).action(async (name: string, flags: Flags) => {
    const [
      { createLogger, loadConfig, loggerOptionsFromEnv },
      { ExitGuard, nodeSocketPath, readNodeSecret, runEndpointHost },
    ] = await Promise.all([
      import('../../runtime/node/index.js'),
      import('../../runtime/internal.js'),
    ]);
    const config = await loadConfig(configFile(flags));
    const log = createLogger({ ...loggerOptionsFromEnv(), bindings: { endpoint: name } });
    // As a launched endpoint: the process exits whatever fails, its stores closed first.
    const exitGuard = ExitGuard.install({ log });
    const code = await runEndpointHost({
      address: `unix:${nodeSocketPath(config)}`,
      node: config.node,
      endpoint: name,
      secret: await readNodeSecret(config),
      log,
      echo: true,
      exitGuard,
    });
    setExitCode(code);
    exitGuard.endpointStopped(code);
  });
};
