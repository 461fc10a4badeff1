/**
 * `aes config check [-c file]` (or `aes config check [file]`): runs the checks `aes run` runs before it starts anything (the config,
 * the files it names, the endpoints folder, the broker URLs; `checkConfigFile`) and says what the
 * node would run, endpoints included.
 */
import type { RegisterCommand } from './register-command.js';
import { addExamples, type Example } from '../examples.js';
import { DEFAULT_CONFIG_FILE } from '../../runtime/config/defaults.js';
import { addConfigOption, configFile, type ConfigFlags } from '../config-option.js';

const CONFIG_EXAMPLES: readonly Example[] = [
  { does: 'check the config in this folder', line: 'aes config check' },
];

const CHECK_EXAMPLES: readonly Example[] = [
  { does: 'check the config in this folder (aes.config.json)', line: 'aes config check' },
  {
    does: 'another file, and print it resolved (defaults applied, secrets redacted)',
    line: 'aes config check -c /etc/aes/node.json --json',
  },
];

export const registerConfig: RegisterCommand = (program, setExitCode) => {
  const config = addExamples(program.command('config'), CONFIG_EXAMPLES).description(
    'work with the node config file',
  );
  addConfigOption(
    addExamples(config.command('check'), CHECK_EXAMPLES)
      .description(
        `check a node config file (default ${DEFAULT_CONFIG_FILE}) as aes run does: schema, named files, endpoints folder`,
      )
      .argument('[file]', 'the config file (an alias of -c)'),
  )
    .option('--json', 'print the resolved config (defaults applied, secrets redacted) as JSON')
    .action(async (positional: string | undefined, options: ConfigFlags & { json?: boolean }) => {
      const file = configFile(options, positional);
      const { checkConfigFile, describeConfig, redactConfig } =
        await import('../../runtime/node/index.js');
      const checked = await checkConfigFile(file);
      process.stdout.write(
        options.json === true
          ? `${JSON.stringify(redactConfig(checked.config), null, 2)}\n`
          : `${describeConfig(checked.config, checked.endpoints)}\n`,
      );
      setExitCode(0);
    });
};
