/** `aes status [--json]`: every node of the cluster and every endpoint on it, from any node. */
import { addConfigOption, configFile, type ConfigFlags } from '../config-option.js';
import type { RegisterCommand } from './register-command.js';

export const registerStatus: RegisterCommand = (program, setExitCode) => {
  addConfigOption(
    program
      .command('status')
      .description(
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
          : `${formatClusterStatus(status)}\n`,
      );
      setExitCode(clusterHasFaults(status) ? 1 : 0);
    });
};
