/**
 * `aes run [config]`: runs a node until SIGTERM or SIGINT. The first signal drains every endpoint
 * (the record in flight finishes) and stops the node; a second one forces: endpoint processes
 * are killed and the node exits at once (what was journaled resumes on the next start).
 */
import { DEFAULT_CONFIG_FILE } from '../../runtime/config/defaults.js';
import { Option } from 'commander';
import type { RegisterCommand } from './register-command.js';

export const registerRun: RegisterCommand = (program, setExitCode) => {
  program
    .command('run')
    .description('run a node: its broker, kernel, HTTP surface and endpoints')
    .argument('[config]', 'the node config file', DEFAULT_CONFIG_FILE)
    .addOption(
      new Option('--log-format <format>', 'log lines for people or JSON lines').choices([
        'pretty',
        'json',
      ]),
    )
    .action(async (file: string, flags: { logFormat?: string }) => {
      const { AesNode, createLogger, loadConfig, loggerOptionsFromEnv } =
        await import('../../runtime/node/index.js');
      const config = await loadConfig(file);
      const format =
        flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined;
      const log = createLogger({
        ...loggerOptionsFromEnv(),
        ...(format === undefined ? {} : { format }),
      });
      const node = await AesNode.start(config, { logger: log });
      let signals = 0;
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          signals += 1;
          if (signals === 1) {
            log.info(`${signal}: draining and stopping (send it again to force)`, {
              node: config.node,
            });
            void node.close().then(resolve);
            return;
          }
          log.warn(`${signal} again: forcing`, { node: config.node });
          for (const pid of node.endpointPids()) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
          process.exit(130);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await stopped;
      setExitCode(0);
    });
};
