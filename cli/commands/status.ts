/** `aes status [--json]`: every node of the cluster and every endpoint on it, from any node. */
import { addConfigOption, configFile, type ConfigFlags } from '../config-option.js';
import type { RegisterCommand } from './register-command.js';
import { stdoutPaint, tableStyle } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  { does: 'every node and endpoint of the cluster', line: 'aes status' },
  {
    does: 'asking another node, as JSON',
    line: 'aes status -c /etc/aes/node.json --address tcp://node-b:7100 --json',
  },
];

export const registerStatus: RegisterCommand = (program, setExitCode) => {
  addConfigOption(
    addExamples(program.command('status'), EXAMPLES).description(
      'list every node and endpoint of the cluster (state, restarts, last error, age)',
    ),
  )
    .option('--address <address>', "another node's cluster address (tcp://host:port)")
    .option('--json', 'print JSON')
    .action(async (flags: ConfigFlags & { address?: string; json?: boolean }) => {
      const { clusterHasFaults, fetchClusterStatus, formatClusterStatus, loadConfig } =
        await import('../../runtime/node/index.js');
      const config = await loadConfig(configFile(flags));
      const status = await fetchClusterStatus(
        config,
        flags.address === undefined ? {} : { address: flags.address },
      );
      process.stdout.write(
        flags.json === true
          ? `${JSON.stringify(status, null, 2)}\n`
          : `${formatClusterStatus(status, tableStyle(stdoutPaint()))}\n`,
      );
      setExitCode(clusterHasFaults(status) ? 1 : 0);
    });
};
