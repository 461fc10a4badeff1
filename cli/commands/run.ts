/**
 * `aes run [-c config]` (or `aes run [config]`): runs a node until SIGTERM or SIGINT. The first signal drains every endpoint
 * (the record in flight finishes) and stops the node; a second one forces: endpoint processes
 * are killed and the node exits at once (what was journaled resumes on the next start). SIGHUP
 * reloads the config (`AesNode.reload`: endpoints added, removed or changed are started, stopped
 * or restarted; an invalid config is logged and changes nothing).
 */
import { Option } from 'commander';
import { addConfigOption, configFile, type ConfigFlags } from '../config-option.js';
import type { RegisterCommand } from './register-command.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  { does: 'run the node of aes.config.json in this folder', line: 'aes run' },
  {
    does: 'another config, logging JSON lines',
    line: 'aes run -c /etc/aes/node.json --log-format json',
  },
];

export const registerRun: RegisterCommand = (program, setExitCode) => {
  addConfigOption(
    addExamples(program.command('run'), EXAMPLES)
      .description('run a node: its broker, kernel, HTTP surface and endpoints (SIGHUP reloads)')
      .argument('[config]', 'the node config file (an alias of -c)'),
  )
    .addOption(
      new Option('--log-format <format>', 'log lines for people or JSON lines').choices([
        'pretty',
        'json',
      ]),
    )
    .action(async (positional: string | undefined, flags: ConfigFlags & { logFormat?: string }) => {
      const file = configFile(flags, positional);
      const { AesNode, createLogger, loadConfig, loggerOptionsFromEnv } =
        await import('../../runtime/node/index.js');
      const config = await loadConfig(file);
      const format =
        flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined;
      const log = createLogger({
        ...loggerOptionsFromEnv(),
        ...(format === undefined ? {} : { format }),
      });
      // From now on SIGHUP never ends the process: before the node runs it waits for it.
      let node: Awaited<ReturnType<typeof AesNode.start>> | undefined;
      let signals = 0;
      let reloadWhenStarted = false;
      const reload = () => {
        // Logged by the node, the failure included; the config in force stays.
        node?.reload().catch(() => undefined);
      };
      const onHangup = () => {
        if (signals > 0) {
          log.info('SIGHUP while stopping: ignored', { node: config.node });
        } else if (node === undefined) {
          log.info('SIGHUP while starting: the config is read again once started', {
            node: config.node,
          });
          reloadWhenStarted = true;
        } else {
          log.info(`SIGHUP: reading ${file} again`, { node: config.node });
          reload();
        }
      };
      // Stop signals are heard from here on too: one sent while the node starts (a supervisor
      // that gives up, a quick Ctrl-C) stops it once started, instead of killing it half-started.
      let stopRequested: ((running: NonNullable<typeof node>) => void) | undefined;
      let stopWhenStarted = false;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals += 1;
        if (signals === 1) {
          if (node === undefined) {
            log.info(`${signal} while starting: stopping once started (send it again to force)`, {
              node: config.node,
            });
            stopWhenStarted = true;
          } else {
            log.info(`${signal}: draining and stopping (send it again to force)`, {
              node: config.node,
            });
            stopRequested?.(node);
          }
          return;
        }
        log.warn(`${signal} again: forcing`, { node: config.node });
        for (const pid of node?.endpointPids() ?? []) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        process.exit(130);
      };
      process.on('SIGHUP', onHangup);
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        node = await AesNode.start(config, { logger: log });
        const running = node;
        await new Promise<void>((resolve) => {
          stopRequested = (n) => void n.close().then(resolve);
          if (stopWhenStarted) stopRequested(running);
          else if (reloadWhenStarted) reload();
        });
      } finally {
        process.off('SIGHUP', onHangup);
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      setExitCode(0);
    });
};
