/** `aes config check [file]`: validates a node config and says what the node would run. */
import type { RegisterCommand } from './register-command.js';
import { DEFAULT_CONFIG_FILE } from '../../runtime/config/defaults.js';

export const registerConfig: RegisterCommand = (program, setExitCode) => {
  const config = program.command('config').description('work with the node config file');
  config
    .command('check')
    .description(`validate a node config file (default ${DEFAULT_CONFIG_FILE}) against its schema`)
    .argument('[file]', 'the config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'print the resolved config (defaults applied, secrets redacted) as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const { describeConfig, loadConfig, redactConfig } =
        await import('../../runtime/node/index.js');
      const loaded = await loadConfig(file);
      process.stdout.write(
        options.json === true
          ? `${JSON.stringify(redactConfig(loaded), null, 2)}\n`
          : `${describeConfig(loaded)}\n`,
      );
      setExitCode(0);
    });
};
